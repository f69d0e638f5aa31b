// Secrets from files: NAME_FILE names a file holding NAME's value (the `*_FILE` convention).
// On the server every secret comes this way (compose mounts it at /run/secrets/...), so no
// secret sits in the container's environment, which `docker inspect` and anything reading the
// Docker API would show. Local development keeps plain variables (`.env`).
// Here, in the package both processes load: the API's configuration and the migrate command.
import { readFileSync } from 'node:fs';

export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
}

function readSecretFile(variable: string, path: string): string {
  let value: string;
  try {
    value = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SecretFileError(
      code === 'ENOENT'
        ? `${variable}_FILE: ${path} does not exist`
        : `${variable}_FILE: cannot read ${path} (${code ?? String(error)})`,
    );
  }
  // Without the line end an editor adds.
  value = value.replace(/\r?\n$/, '');
  if (value === '') throw new SecretFileError(`${variable}_FILE: ${path} is empty`);
  return value;
}

/**
 * A copy of `env` where each of `names` set through NAME_FILE holds the file's content.
 * Throws a SecretFileError naming the variable and path when NAME and NAME_FILE are both set
 * (which one wins would be a guess) or the file is missing, unreadable or empty.
 */
export function withSecretFiles(
  env: NodeJS.ProcessEnv,
  names: readonly string[],
): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      throw new SecretFileError(`${name} and ${name}_FILE are both set: set only one of them`);
    }
    resolved[name] = readSecretFile(name, path);
  }
  return resolved;
}
