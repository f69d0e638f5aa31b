// Whether tracing is on, and its stop at shutdown: light enough for main.ts and the shutdown
// path to import whatever the settings, unlike start-tracing.ts, which loads the SDK.

/** Where spans go: the traces' own endpoint, or the one for every signal. */
const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

/** On only when an OTLP endpoint is set and the SDK is not disabled (OTEL_SDK_DISABLED). */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  return ENDPOINT_VARIABLES.some((name) => Boolean(env[name]));
}

let stop: (() => Promise<void>) | undefined;

/** start-tracing.ts leaves here how to send what is left and stop. */
export function whenTracingStops(stopTracing: () => Promise<void>): void {
  stop = stopTracing;
}

/** Sends the spans not yet sent and stops tracing; nothing when it never started. */
export async function stopTracing(): Promise<void> {
  await stop?.();
}
