import { Writable } from 'node:stream';

import { pino } from 'pino';

import { loadConfig } from '../config/load-config';
import { pinoOptions } from './pino-options';

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
  return { lines, logger: pino(pinoOptions(config), sink) };
}

describe('log lines', () => {
  it('carry an ISO time, the level as a word and msg', () => {
    const { lines, logger } = capture();
    logger.warn('careful');
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'careful', app: 'demo' });
    expect(new Date(String(lines[0]?.time)).toISOString()).toBe(lines[0]?.time);
  });

  it('carry the bindings of a request logger', () => {
    const { lines, logger } = capture();
    logger.child({ requestId: 'req-1' }).info({ statusCode: 200 }, 'request completed');
    expect(lines[0]).toMatchObject({ requestId: 'req-1', statusCode: 200 });
  });

  it('never contain secrets', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'hunter2hunter2',
        body: { refreshToken: 'r', accessToken: 'a' },
        headers: { authorization: 'Bearer h' },
        req: { headers: { authorization: 'Bearer x', cookie: 'session=y' } },
      },
      'login',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['hunter2hunter2', '"r"', '"a"', 'Bearer h', 'Bearer x', 'session=y']) {
      expect(line).not.toContain(secret);
    }
    expect(line.match(/\[Redacted\]/g)).toHaveLength(6);
  });
});
