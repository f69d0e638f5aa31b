/**
 * What the server reads from its environment. Read at request or start time, never at build
 * time: one image runs in every environment, each with its own name and API address.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Shown when APP_NAME is not set (the env files set it to the project's slug). */
export const DEFAULT_APP_NAME = 'web';

export function appName(env: Environment): string {
  const name = env.APP_NAME?.trim();
  if (!name) {
    return DEFAULT_APP_NAME; // empty counts as unset
  }
  return name;
}

/** A variable's value, trimmed; undefined when unset or empty (empty counts as unset). */
export function optionalSetting(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** The environment this server runs in (APP_ENV: staging, production ...), as the API
 * names it in its logs and error reports; `local` when unset. */
export function appEnvironment(env: Environment): string {
  return optionalSetting(env, 'APP_ENV') ?? 'local';
}

/** The release this server runs: the image's version (APP_VERSION, from the build's VERSION:
 * the release tag, else the commit), as the API's; `dev` when unset (a local build). */
export function appVersion(env: Environment): string {
  return optionalSetting(env, 'APP_VERSION') ?? 'dev';
}

/** The API's base URL as this server reaches it (http://api:PORT on the server's network),
 * or undefined when API_URL is not set. */
export function apiUrl(env: Environment): string | undefined {
  const value = env.API_URL?.trim();
  if (!value) {
    return undefined;
  }
  const url = new URL(value); // throws on a malformed value: a configuration error
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`API_URL must be an http(s) URL, got ${value}`);
  }
  return value.replace(/\/+$/, '');
}

/** How long a stopping server keeps serving after SIGTERM while /health answers 503, so the
 * proxy stops routing to it first (Traefik checks every 2 s: production sets 5000). */
export function shutdownDelayMs(env: Environment): number {
  const value = env.SHUTDOWN_DELAY_MS?.trim();
  if (!value) {
    return 0;
  }
  if (!/^\d+$/.test(value)) {
    throw new Error(`SHUTDOWN_DELAY_MS must be a whole number of milliseconds, got ${value}`);
  }
  return Number(value);
}

/** Where spans go: the traces' own endpoint, or the one for every signal. */
const OTLP_ENDPOINT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
];

/** Tracing is on only where an OTLP endpoint is set and the SDK is not disabled, as on the
 * API: otherwise nothing of OpenTelemetry is loaded. */
export function tracingEnabled(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') {
    return false;
  }
  return OTLP_ENDPOINT_VARIABLES.some((name) => Boolean(env[name]));
}
