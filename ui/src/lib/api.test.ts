import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './api';

describe('toApiError', () => {
  it('keeps code and message of a backend error', () => {
    const e = toApiError({ code: 'invalid_input', message: 'title: must not be empty' });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('title: must not be empty');
  });

  it('keeps a refusal as forbidden', () => {
    const e = toApiError({ code: 'forbidden', message: 'root is a viewer; only an admin may grant roles' });
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe('root is a viewer; only an admin may grant roles');
  });

  it('keeps every code the backend sends', () => {
    for (const code of ['invalid_input', 'not_found', 'conflict', 'forbidden', 'internal'] as const) {
      expect(toApiError({ code, message: 'm' }).code).toBe(code);
    }
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
