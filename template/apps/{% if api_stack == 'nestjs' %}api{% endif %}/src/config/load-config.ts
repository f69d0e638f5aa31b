import { SecretFileError, withSecretFiles } from '@app/database';

import { configSchema, SECRET_VARIABLES, type AppConfig } from './config.schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validate `env` against the schema. Throws a ConfigError whose message names every
 * offending variable, e.g. "Invalid configuration: JWT_ACCESS_SECRET must be at least 32
 * characters". Each secret may come from the file NAME_FILE names (as on the server).
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  let resolved: NodeJS.ProcessEnv;
  try {
    resolved = withSecretFiles(env, SECRET_VARIABLES);
  } catch (error) {
    if (error instanceof SecretFileError) {
      throw new ConfigError(`Invalid configuration: ${error.message}`);
    }
    throw error;
  }
  const result = configSchema.safeParse(resolved);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const value = resolved[name];
    return value === undefined || value === '' ? `${name} is required` : `${name} ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}
