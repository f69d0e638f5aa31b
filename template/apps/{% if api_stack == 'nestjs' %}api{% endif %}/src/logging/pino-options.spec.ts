import { Writable } from 'node:stream';

import { pino } from 'pino';

import { loadConfig } from '../config/load-config';
import { pinoHttpOptions } from './pino-options';

/** A logger built from the app's options, writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({
    APP_ENV: 'test',
    APP_NAME: 'demo',
    DATABASE_URL: 'postgres://127.0.0.1/demo',
    REDIS_URL: 'redis://127.0.0.1',
    JWT_ACCESS_SECRET: 'x'.repeat(32),
  });
  const { level, base, timestamp, formatters, redact } = pinoHttpOptions(config);
  return { lines, logger: pino({ level, base, timestamp, formatters, redact }, sink) };
}

describe('log lines', () => {
  it('carry an ISO time, the level as a word and msg', () => {
    const { lines, logger } = capture();
    logger.warn('careful');
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'careful', app: 'demo' });
    expect(new Date(String(lines[0]?.time)).toISOString()).toBe(lines[0]?.time);
  });

  it('never contain secrets', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'hunter2hunter2',
        body: { refreshToken: 'r', accessToken: 'a' },
        req: { headers: { authorization: 'Bearer x', cookie: 'session=y' } },
      },
      'login',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['hunter2hunter2', '"r"', '"a"', 'Bearer x', 'session=y']) {
      expect(line).not.toContain(secret);
    }
    expect(line.match(/\[Redacted\]/g)).toHaveLength(5);
  });
});
