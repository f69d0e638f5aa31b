import { configSchema, type AppConfig } from './config.schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validate `env` against the schema. Throws a ConfigError whose message names every
 * offending variable, e.g. "Invalid configuration: JWT_ACCESS_SECRET must be at least 32
 * characters".
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const value = env[name];
    return value === undefined || value === '' ? `${name} is required` : `${name} ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}
