/**
 * Whether this server process is shutting down, shared by the signal handler (registered
 * from instrumentation.ts) and the /health route handler.
 *
 * Not a module-level variable: Next.js bundles instrumentation.ts and each route into
 * separate server bundles, and a module imported by two of them is evaluated once per
 * bundle. A `let` here would give the signal handler one copy and /health another, and
 * /health would never turn 503. The process, and so globalThis, is shared by every bundle:
 * the state lives there, under a key from the global symbol registry (Symbol.for returns the
 * same symbol in every bundle, and no other code can collide with it by accident).
 */
const STATE_KEY = Symbol.for('app.web.shutdown-state');

interface ShutdownState {
  shuttingDown: boolean;
  handlersInstalled: boolean;
}

type StateHolder = Record<typeof STATE_KEY, ShutdownState | undefined>;

function state(): ShutdownState {
  const holder = globalThis as unknown as StateHolder;
  holder[STATE_KEY] ??= { shuttingDown: false, handlersInstalled: false };
  return holder[STATE_KEY];
}

export function isShuttingDown(): boolean {
  return state().shuttingDown;
}

export function markShuttingDown(): void {
  state().shuttingDown = true;
}

/** True the first time only: signal handlers are installed once per process, even when
 * instrumentation is evaluated again (the dev server reloads it). */
export function claimSignalHandlers(): boolean {
  const current = state();
  if (current.handlersInstalled) {
    return false;
  }
  current.handlersInstalled = true;
  return true;
}

/** For tests: back to a fresh process' state. */
export function resetShutdownState(): void {
  state().shuttingDown = false;
  state().handlersInstalled = false;
}
