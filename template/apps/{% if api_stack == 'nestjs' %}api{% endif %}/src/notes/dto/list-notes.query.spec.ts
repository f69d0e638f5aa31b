import { BadRequestException } from '@nestjs/common';

import { ListNotesQuery, PAGE_MAX, PAGE_SIZE_MAX } from './list-notes.query';

/** The fields a query is refused for (none: it was accepted). */
function refusedFields(query: Record<string, unknown>): string[] {
  try {
    ListNotesQuery.fromPlain(query);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    const body = (error as BadRequestException).getResponse() as { errors: { field: string }[] };
    return [...new Set(body.errors.map((fieldError) => fieldError.field))];
  }
}

describe('ListNotesQuery.fromPlain', () => {
  it('defaults to the first page of 20', () => {
    expect(ListNotesQuery.fromPlain({})).toEqual({ page: 1, pageSize: 20 });
  });

  it('reads decimal integers within the bounds, inclusive', () => {
    const query = { page: String(PAGE_MAX), pageSize: String(PAGE_SIZE_MAX) };
    expect(ListNotesQuery.fromPlain(query)).toEqual({ page: PAGE_MAX, pageSize: PAGE_SIZE_MAX });
  });

  it.each([['0'], ['-1'], ['abc'], ['1e3'], ['0x10'], [''], ['1.5'], ['9'.repeat(400)]])(
    'refuses page=%s, naming it',
    (value) => {
      expect(refusedFields({ page: value })).toEqual(['page']);
    },
  );

  it('refuses a value over the maximum, and a repeated parameter', () => {
    expect(refusedFields({ pageSize: String(PAGE_SIZE_MAX + 1) })).toEqual(['pageSize']);
    expect(refusedFields({ page: ['1', '2'] })).toEqual(['page']);
  });

  it('refuses unknown parameters, as every other input', () => {
    expect(refusedFields({ page: '1', sort: 'title' })).toEqual(['sort']);
  });

  it('words its messages as class-validator does', () => {
    const error = (() => {
      try {
        return ListNotesQuery.fromPlain({ page: '0' });
      } catch (thrown) {
        return thrown as BadRequestException;
      }
    })();
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toEqual({
      detail: 'page must not be less than 1',
      errors: [{ field: 'page', message: 'page must not be less than 1' }],
    });
  });
});
