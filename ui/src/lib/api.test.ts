import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './api';

describe('toApiError', () => {
  it('keeps code and message of a backend error', () => {
    const e = toApiError({ code: 'invalid_input', message: 'title: must not be empty' });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('title: must not be empty');
  });

  it('treats an unknown code as internal', () => {
    expect(toApiError({ code: 'weird', message: 'x' }).code).toBe('internal');
    expect(toApiError({ code: 'toString', message: 'x' }).code).toBe('internal');
  });

  it('wraps a bare string rejection', () => {
    const e = toApiError('command app_info not found');
    expect(e.code).toBe('internal');
    expect(e.message).toBe('command app_info not found');
  });
});
