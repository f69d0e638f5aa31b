// Side-effect module, imported first by main.ts: variables in `.env` in the working
// directory fill in what the process environment does not set (the environment wins).
import { existsSync } from 'node:fs';

if (existsSync('.env')) process.loadEnvFile('.env');
