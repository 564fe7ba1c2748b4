// Small calendar views for the tests.
import type { CalendarItemView, CalendarUpdateView, CalendarView } from './types';

export function item(over: Partial<CalendarItemView> & { id: number }): CalendarItemView {
  return {
    kind: 'planned',
    title: `Item ${over.id}`,
    first_from: '2026-11-28T21:00:00Z',
    first_to: '2026-11-29T01:00:00Z',
    zone: 'Europe/Berlin',
    rrule: null,
    recurrence_words: null,
    exdates: [],
    scope: { scope: 'all' },
    scope_words: 'all devices',
    occurrences: [{ from: '2026-11-28T21:00:00Z', to: '2026-11-29T01:00:00Z' }],
    ...over,
  };
}

export function update(over: Partial<CalendarUpdateView> & { id: number }): CalendarUpdateView {
  return {
    title: `Rollout ${over.id}`,
    targets: [{ product: 'hmi', version: '2.4.0' }],
    from: '2026-11-30T08:00:00Z',
    to: '2026-11-30T10:00:00Z',
    planned_to: '2026-11-30T10:00:00Z',
    phase: 'scheduled',
    devices: 12,
    sites: [],
    ...over,
  };
}

export function view(over: Partial<CalendarView> = {}): CalendarView {
  return { items: [], updates: [], sites: [], ...over };
}
