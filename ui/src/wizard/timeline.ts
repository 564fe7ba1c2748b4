// The compact timeline beside step Deployment: the days the window covers,
// only the affected sites' rows plus "Everywhere", what is planned there, and
// the planned window on each of those rows. Built on the calendar's own rows
// and events (../calendar/rows.ts). Pure, tested in timeline.test.ts.
import { ROW_ALL, ROW_GROUP, buildEvents, buildResources, type CalendarEvent, type Resource } from '../calendar/rows';
import { floatingLocal } from '../calendar/times';
import type { CalendarView } from '../calendar/types';

/** The local days shown for a window: from the start of `from`'s day to the end of `to`'s, at most `maxDays`. */
export function timelineRange(from: Date, to: Date, maxDays = 14): { start: Date; end: Date; days: number } {
  const start = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  const last = to > from ? new Date(to.getTime() - 1) : from;
  const dayNumber = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000;
  const days = Math.min(maxDays, Math.max(1, dayNumber(last) - dayNumber(start) + 1));
  const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + days);
  return { start, end, days };
}

/** How the library lays out `days` days: slot length and the hours shown (a single day is cut to the window ± 2 h). */
export function timelineLayout(from: Date, to: Date, days: number): { slot: string; minTime: string; maxTime: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days === 1) {
    const lo = Math.max(0, from.getHours() - 2);
    const endHour = to.getHours() + (to.getMinutes() > 0 ? 1 : 0);
    const sameDay = to.getDate() === from.getDate() && to > from;
    const hi = sameDay ? Math.min(24, Math.max(lo + 4, endHour + 2)) : 24;
    return { slot: '01:00', minTime: `${pad(lo)}:00`, maxTime: `${pad(hi)}:00` };
  }
  return { slot: days === 2 ? '02:00' : days <= 4 ? '06:00' : '12:00', minTime: '00:00', maxTime: '24:00' };
}

/** The row id of a site (as the calendar names it). */
export function siteRow(site: string): string {
  return `${ROW_GROUP}:${site}`;
}

/** Everywhere, and the sites parent with only the affected sites under it. */
export function timelineResources(view: CalendarView, sites: readonly string[]): Resource[] {
  const wanted = new Set(sites.map(siteRow));
  const all = buildResources({ ...view, sites: [...new Set([...view.sites, ...sites])] }, 'site');
  const out: Resource[] = [];
  for (const r of all) {
    if (r.id === ROW_ALL) out.push(r);
    else if (r.id === ROW_GROUP) {
      const children = (r.children ?? []).filter((c) => wanted.has(String(c.id)));
      if (children.length) out.push({ ...r, expanded: true, children });
    }
  }
  return out;
}

/** The ids of every row of `rows`, children included. */
export function rowIds(rows: readonly Resource[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    out.push(String(r.id));
    for (const c of r.children ?? []) out.push(String(c.id));
  }
  return out;
}

/**
 * The calendar's events on the rows shown (others dropped, each event kept
 * only on shown rows) and the planned window (`plan-window`) on Everywhere
 * and every affected site.
 */
export function timelineEvents(view: CalendarView, rows: readonly Resource[], window: { from: Date; to: Date; title: string } | null): CalendarEvent[] {
  const shown = new Set(rowIds(rows));
  shown.delete(ROW_GROUP);
  const out: CalendarEvent[] = [];
  for (const e of buildEvents(view, 'site', 4)) {
    const raw = e.resourceIds ?? [];
    const ids = (Array.isArray(raw) ? raw : [raw]).map(String).filter((id) => shown.has(id));
    if (ids.length) out.push({ ...e, resourceIds: ids });
  }
  if (window && window.to > window.from) {
    out.push({
      id: 'plan-window',
      resourceIds: [...shown],
      start: floatingLocal(window.from),
      end: floatingLocal(window.to),
      title: `This update: ${window.title || 'untitled'}`,
      classNames: ['cal-ev', 'plan-window'],
      extendedProps: { type: 'update', update: 0, kind: 'update_scheduled' },
    });
  }
  return out;
}
