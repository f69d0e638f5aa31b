// Side-effect module, imported first by main.ts: variables in `.env` in the working
// directory fill in what the process environment does not set (the environment wins).
// A secret given as NAME_FILE (load-config.ts) counts as set: `.env` does not add its NAME.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

if (existsSync('.env')) {
  for (const [name, value] of Object.entries(parseEnv(readFileSync('.env', 'utf8')))) {
    if (process.env[name] === undefined && process.env[`${name}_FILE`] === undefined) {
      process.env[name] = value;
    }
  }
}
