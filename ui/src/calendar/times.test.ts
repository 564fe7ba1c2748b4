import { describe, expect, it } from 'vitest';
import {
  browserZone,
  dayWords,
  durationWords,
  floatingLocal,
  instantOf,
  isKnownZone,
  nextFullHour,
  parseWall,
  wallClock,
  zoneChoices,
} from './times';

describe('wall clocks', () => {
  it('shows an instant as the wall clock of a zone, across DST', () => {
    expect(wallClock('2026-11-28T21:00:00Z', 'Europe/Berlin')).toBe('2026-11-28T22:00');
    expect(wallClock('2026-07-01T21:00:00Z', 'Europe/Berlin')).toBe('2026-07-01T23:00');
    expect(wallClock('2026-07-01T21:00:00Z', 'America/New_York')).toBe('2026-07-01T17:00');
    expect(wallClock('2026-01-01T00:00:00Z', 'UTC')).toBe('2026-01-01T00:00');
    expect(wallClock('not a time', 'UTC')).toBe('');
  });

  it('finds the instant of a wall clock in a zone', () => {
    expect(instantOf('2026-11-28T22:00', 'Europe/Berlin')?.toISOString()).toBe('2026-11-28T21:00:00.000Z');
    expect(instantOf('2026-07-01T23:00', 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T21:00:00.000Z');
    expect(instantOf('2026-07-01T17:00', 'America/New_York')?.toISOString()).toBe('2026-07-01T21:00:00.000Z');
    expect(instantOf('2026-03-01', 'UTC')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('moves a time skipped by DST forward and takes the first of a repeated one', () => {
    // 02:30 does not exist in Berlin on 29 March 2026: it is 03:30 CEST.
    expect(instantOf('2026-03-29T02:30', 'Europe/Berlin')?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October 2026: first in CEST.
    expect(instantOf('2026-10-25T02:30', 'Europe/Berlin')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('knows no instant for an unknown zone or no time', () => {
    expect(instantOf('2026-11-28T22:00', 'Mars/Olympus')).toBeNull();
    expect(instantOf('soon', 'UTC')).toBeNull();
    expect(isKnownZone('Europe/Berlin')).toBe(true);
    expect(isKnownZone('')).toBe(false);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
  });

  it('parses datetime-local values and bare dates', () => {
    expect(parseWall('2026-11-28T22:05')).toEqual({ y: 2026, m: 11, d: 28, h: 22, min: 5 });
    expect(parseWall('2026-11-28')).toEqual({ y: 2026, m: 11, d: 28, h: 0, min: 0 });
    expect(parseWall('28.11.2026')).toBeNull();
  });

  it('gives the library floating local times that read back as the same instant', () => {
    for (const iso of ['2026-11-28T21:00:00Z', '2026-07-01T05:30:00Z', '2027-01-01T00:00:00Z']) {
      const f = floatingLocal(iso);
      expect(f).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(new Date(f).toISOString()).toBe(new Date(iso).toISOString());
    }
  });
});

describe('prefills', () => {
  it('starts new items at the next full hour', () => {
    const at = (h: number, m: number, s = 0) => new Date(2026, 10, 28, h, m, s);
    expect(nextFullHour(at(12, 0))).toEqual(at(13, 0));
    expect(nextFullHour(at(12, 59, 59))).toEqual(at(13, 0));
    expect(nextFullHour(at(23, 30))).toEqual(new Date(2026, 10, 29, 0, 0));
  });

  it("offers the workstation's zone first, then common ones, each once", () => {
    const zones = zoneChoices('Europe/Berlin');
    expect(zones[0]).toBe('Europe/Berlin');
    expect(zones.filter((z) => z === 'Europe/Berlin')).toHaveLength(1);
    expect(zones).toContain('UTC');
    expect(zoneChoices('Asia/Kathmandu')[0]).toBe('Asia/Kathmandu');
    expect(isKnownZone(browserZone())).toBe(true);
  });
});

describe('days', () => {
  it('words a local day, the same each time it is asked', () => {
    // ICU versions differ on the comma after the weekday.
    expect(dayWords('2026-12-05')).toMatch(/^Sat,? 5 Dec 2026$/);
    expect(dayWords('2026-12-05')).toBe(dayWords('2026-12-05'));
    expect(dayWords('2027-01-01')).toMatch(/^Fri,? 1 Jan 2027$/);
  });
});

describe('durations', () => {
  it('words durations in days, hours and minutes', () => {
    const min = 60_000;
    expect(durationWords(150 * min)).toBe('2 h 30 min');
    expect(durationWords(45 * min)).toBe('45 min');
    expect(durationWords(4 * 60 * min)).toBe('4 h');
    expect(durationWords((3 * 24 * 60 + 4 * 60 + 10) * min)).toBe('3 d 4 h');
    expect(durationWords(0)).toBe('0 min');
    expect(durationWords(-5 * min)).toBe('0 min');
  });
});
