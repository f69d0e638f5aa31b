import type { IncomingMessage } from 'node:http';

import { requestIdFor } from './request-id';

const withHeader = (value?: string) =>
  ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as IncomingMessage;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  it('echoes a well-formed id', () => {
    expect(requestIdFor(withHeader('abc.DEF_123-x'))).toBe('abc.DEF_123-x');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'semi;colon'])(
    'replaces %j with a new UUID v4',
    (value) => {
      expect(requestIdFor(withHeader(value))).toMatch(UUID_V4);
    },
  );
});
