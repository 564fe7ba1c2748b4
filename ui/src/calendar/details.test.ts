import { describe, expect, it } from 'vitest';
import {
  count,
  exportSentence,
  importSentence,
  itemKindWords,
  phaseWords,
  recurrenceLine,
  scopeLine,
  updateEndNote,
  windowWords,
} from './details';

describe('details', () => {
  it('words a window in local time, UTC and as a duration', () => {
    const w = windowWords('2026-11-28T21:00:00Z', '2026-11-29T01:00:00Z', {
      timeZone: 'Europe/Berlin',
      now: new Date('2026-06-01T00:00:00Z'),
    });
    expect(w.local).toMatch(/^Sat 28 Nov, 22:00 (CET|GMT\+1) – Sun 29 Nov, 02:00 (CET|GMT\+1)$/);
    expect(w.utc).toBe('2026-11-28 21:00:00 UTC – 2026-11-29 01:00:00 UTC');
    expect(w.duration).toBe('4 h');
  });

  it('words the kind, the phase and the recurrence', () => {
    expect(itemKindWords({ kind: 'window' })).toBe('maintenance window');
    expect(itemKindWords({ kind: 'unplanned' })).toBe('unplanned downtime');
    expect(phaseWords({ phase: 'running' })).toBe('running');
    expect(recurrenceLine({ rrule: null, recurrence_words: null })).toBe('does not repeat');
    expect(recurrenceLine({ rrule: 'FREQ=WEEKLY;BYDAY=SA', recurrence_words: 'every week on Saturday' })).toBe(
      'every week on Saturday',
    );
  });

  it('lists the names of listed devices the words leave out', () => {
    expect(scopeLine({ scope: 'devices', devices: [1, 2], names: ['gw-1', 'gw-2'] }, '2 listed devices')).toBe(
      '2 listed devices: gw-1, gw-2',
    );
    expect(scopeLine({ scope: 'devices', devices: [1], names: ['gw-1'] }, 'device gw-1')).toBe('device gw-1');
    expect(scopeLine({ scope: 'label', key: 'site', value: 'b' }, 'devices with site=b')).toBe('devices with site=b');
  });

  it("says how a finished update's end differs from its plan", () => {
    const planned = '2026-11-30T10:00:00Z';
    expect(updateEndNote({ phase: 'finished', to: '2026-11-30T10:45:00Z', planned_to: planned })).toBe(
      '45 min later than planned',
    );
    expect(updateEndNote({ phase: 'finished', to: '2026-11-30T09:00:00Z', planned_to: planned })).toBe(
      '1 h earlier than planned',
    );
    expect(updateEndNote({ phase: 'finished', to: planned, planned_to: planned })).toBeNull();
    expect(updateEndNote({ phase: 'running', to: '2026-11-30T11:00:00Z', planned_to: planned })).toBeNull();
  });

  it('words the .ics import and export', () => {
    expect(importSentence({ file: '/tmp/plan.ics', imported: 3, skipped: 2, events: [] })).toBe(
      'Imported 3 of 5 events from /tmp/plan.ics; 2 skipped.',
    );
    expect(importSentence({ file: 'a.ics', imported: 1, skipped: 0, events: [] })).toBe(
      'Imported 1 of 1 event from a.ics.',
    );
    expect(exportSentence({ path: '/tmp/out.ics', items: 12, updates: 1 })).toBe(
      'Wrote 12 items and 1 update to /tmp/out.ics.',
    );
    expect(count(1200, 'device')).toBe('1,200 devices');
  });
});
