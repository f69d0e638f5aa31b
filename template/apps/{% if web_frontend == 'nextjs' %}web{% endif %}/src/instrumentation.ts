/**
 * Runs once when the server starts (Next.js calls register() before serving).
 *
 * With NEXT_MANUAL_SIG_HANDLE set (the image and `make start` set it), Next.js installs no
 * signal handlers of its own (its handler exits at once, with code 143 on SIGTERM): this
 * one lets a stopping server keep serving for SHUTDOWN_DELAY_MS while /health answers 503,
 * then exits 0. Without it (`next dev`), Next.js' own handling applies.
 */
export async function register(): Promise<void> {
  // Only the Node.js server has process signals; this file is built for the edge runtime
  // too, where the import below must not happen.
  if (process.env.NEXT_RUNTIME !== 'nodejs' || !process.env.NEXT_MANUAL_SIG_HANDLE) {
    return;
  }
  const { installShutdownHandlers } = await import('./lib/graceful-shutdown');
  const { shutdownDelayMs } = await import('./lib/settings');
  installShutdownHandlers({ delayMs: shutdownDelayMs(process.env) });
}
