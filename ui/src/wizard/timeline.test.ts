import { describe, expect, it } from 'vitest';
import { ROW_ALL } from '../calendar/rows';
import type { CalendarView } from '../calendar/types';
import { rowIds, timelineEvents, timelineLayout, timelineRange, timelineResources } from './timeline';

const local = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min);

describe('timelineRange', () => {
  it('covers the local days of the window', () => {
    const r = timelineRange(local(2026, 11, 28, 22), local(2026, 11, 28, 23));
    expect(r).toEqual({ start: local(2026, 11, 28), end: local(2026, 11, 29), days: 1 });
    expect(timelineRange(local(2026, 11, 28, 22), local(2026, 11, 29, 0)).days).toBe(1);
    expect(timelineRange(local(2026, 11, 28, 22), local(2026, 11, 29, 1)).days).toBe(2);
    expect(timelineRange(local(2026, 11, 1), local(2027, 1, 1), 14).days).toBe(14);
  });

  it('cuts a single day to the window and two hours either side', () => {
    expect(timelineLayout(local(2026, 11, 28, 10), local(2026, 11, 28, 11, 30), 1)).toEqual({ slot: '01:00', minTime: '08:00', maxTime: '14:00' });
    expect(timelineLayout(local(2026, 11, 28, 22), local(2026, 11, 29, 0), 1)).toEqual({ slot: '01:00', minTime: '20:00', maxTime: '24:00' });
    expect(timelineLayout(local(2026, 11, 28, 1), local(2026, 11, 28, 1, 30), 1).minTime).toBe('00:00');
    expect(timelineLayout(local(2026, 11, 28), local(2026, 12, 1), 4).slot).toBe('06:00');
  });
});

const VIEW: CalendarView = {
  sites: ['berlin', 'munich', 'paris'],
  items: [
    {
      id: 1,
      kind: 'freeze',
      title: 'Quarter close',
      scope: { scope: 'all' },
      occurrences: [{ from: '2026-11-28T20:00:00Z', to: '2026-11-28T23:00:00Z' }],
    },
    {
      id: 2,
      kind: 'planned',
      title: 'Paris network',
      scope: { scope: 'label', key: 'site', value: 'paris' },
      occurrences: [{ from: '2026-11-28T20:00:00Z', to: '2026-11-28T23:00:00Z' }],
    },
    {
      id: 3,
      kind: 'window',
      title: 'Berlin nights',
      scope: { scope: 'label', key: 'site', value: 'berlin' },
      occurrences: [{ from: '2026-11-28T20:00:00Z', to: '2026-11-28T23:00:00Z' }],
    },
  ],
  updates: [],
} as unknown as CalendarView;

describe('timeline rows and events', () => {
  it('shows Everywhere and only the affected sites', () => {
    const rows = timelineResources(VIEW, ['berlin', 'hamburg']);
    expect(rowIds(rows)).toEqual([ROW_ALL, 'group', 'group:berlin', 'group:hamburg']);
    expect(rowIds(timelineResources(VIEW, []))).toEqual([ROW_ALL]);
  });

  it('keeps the events of those rows and draws the window on each', () => {
    const rows = timelineResources(VIEW, ['berlin']);
    const events = timelineEvents(VIEW, rows, { from: new Date('2026-11-28T21:00:00Z'), to: new Date('2026-11-28T22:00:00Z'), title: 'ERP' });
    expect(events.map((e) => e.id)).toEqual(['item-1-0', 'item-3-0', 'plan-window']);
    const plan = events.find((e) => e.id === 'plan-window');
    expect(plan?.resourceIds).toEqual([ROW_ALL, 'group:berlin']);
    expect(plan?.title).toBe('This update: ERP');
    expect(timelineEvents(VIEW, rows, null).some((e) => e.id === 'plan-window')).toBe(false);
  });
});
