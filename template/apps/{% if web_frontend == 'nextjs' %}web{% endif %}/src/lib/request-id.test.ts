import { describe, expect, it } from 'vitest';
import { chooseRequestId, requestIdOf } from './request-id';

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

describe('requestIdOf', () => {
  it('is the one x-request-id header, else none', () => {
    expect(requestIdOf({ 'x-request-id': 'page-view.42' })).toBe('page-view.42');
    expect(requestIdOf({ 'x-request-id': ['a', 'b'] })).toBeUndefined();
    expect(requestIdOf({})).toBeUndefined();
  });
});
