import { describe, expect, it } from 'vitest';
import { countsLine, when } from './format';

describe('countsLine', () => {
  it('lists non-zero counts, work in progress first', () => {
    expect(countsLine({ succeeded: 16, error: 1, deploying: 3, cancelled: 0 })).toBe(
      '3 deploying · 1 error · 16 succeeded',
    );
  });

  it('is empty without device updates', () => {
    expect(countsLine({})).toBe('');
  });
});

describe('when', () => {
  it('shows local date and time to the minute', () => {
    const local = new Date(2026, 10, 23, 9, 5, 42);
    expect(when(local.toISOString())).toBe('2026-11-23 09:05');
  });
});
