import { describe, expect, it } from 'vitest';
import { chooseRequestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('chooseRequestId', () => {
  it('keeps a valid incoming id', () => {
    expect(chooseRequestId('page-view.42_a')).toBe('page-view.42_a');
  });

  it('makes a new one where none came, or one the API would refuse', () => {
    for (const incoming of [null, '', 'with space', 'x'.repeat(129), 'new\nline']) {
      expect(chooseRequestId(incoming)).toMatch(UUID);
    }
  });
});
