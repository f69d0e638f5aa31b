import { claimSignalHandlers, markShuttingDown } from './shutdown-state';

/** What the handler needs of `process`: tests pass a stand-in. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): never;
}

export interface ShutdownOptions {
  delayMs: number;
  target?: SignalTarget;
  log?: (message: string) => void;
  /** Last work before the process exits (sending the spans still batched). */
  beforeExit?: () => Promise<void>;
}

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * On SIGTERM (docker stop, a deploy retiring this container) or SIGINT: /health turns 503 at
 * once, the server keeps serving for `delayMs` while the proxy notices and stops routing
 * here, then `beforeExit` runs and the process exits 0. A second signal exits at once.
 *
 * Returns false when handlers were installed already in this process.
 */
export function installShutdownHandlers({
  delayMs,
  target = process,
  log = (message) => {
    console.info(message);
  },
  beforeExit,
}: ShutdownOptions): boolean {
  if (!claimSignalHandlers()) {
    return false;
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      target.exit(0);
    } else {
      stopping = true;
      markShuttingDown();
      log(`${signal} received: /health answers 503, exiting in ${delayMs} ms`);
      setTimeout(() => {
        if (beforeExit === undefined) {
          target.exit(0);
          return;
        }
        // Exits 0 whatever happens to the last work: the requests were served.
        void beforeExit()
          .catch((error: unknown) => {
            log(`before exiting: ${String(error)}`);
          })
          .finally(() => target.exit(0));
      }, delayMs);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    target.on(signal, onSignal);
  }
  return true;
}
