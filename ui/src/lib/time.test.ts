import { describe, expect, it } from 'vitest';
import { localTime, utcTime } from './time';

const now = new Date('2026-12-01T10:00:00Z');

describe('localTime', () => {
  it('shows local time with its zone', () => {
    expect(localTime('2026-11-28T21:00:05Z', { timeZone: 'Europe/Berlin', now })).toBe('Sat 28 Nov, 22:00 CET');
    expect(localTime('2026-11-28T21:00:05+00:00', { timeZone: 'UTC', now, seconds: true })).toBe(
      'Sat 28 Nov, 21:00:05 UTC',
    );
  });

  it('adds the year when it is not this one', () => {
    expect(localTime('2025-11-28T21:00:05Z', { timeZone: 'UTC', now })).toBe('Fri 28 Nov 2025, 21:00 UTC');
  });

  it('passes through what is not a time', () => {
    expect(localTime('soon')).toBe('soon');
  });
});

describe('utcTime', () => {
  it('shows UTC to the second', () => {
    expect(utcTime('2026-11-28T22:00:05.123+01:00')).toBe('2026-11-28 21:00:05 UTC');
  });
});
