import { pino, stdTimeFunctions } from 'pino';

import { appName } from './settings';
import { traceIds } from './trace-ids';

/**
 * The server's log: one JSON object per line on stdout, in the API's shape (the level as a
 * word, an ISO `time`, `msg`, the app's name and environment), with the trace and span ids
 * of a traced request. Node.js runtime only (the proxy and the server's own code).
 */
export const log = pino({
  base: { app: `${appName(process.env)}-web`, env: process.env.APP_ENV },
  timestamp: stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  mixin: traceIds,
});
