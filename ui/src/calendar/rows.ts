// What the calendar library is given: the rows (resources) and the events,
// built from what `calendar_range` answered. Rows: "Everywhere" for items
// scoped to all devices; one row per value of the grouping label (sites by
// default) under a collapsible parent; a `key=value` row for every other
// label scope; "Listed devices" for items scoped to named devices. Updates go
// into the rows of their sites (as label scopes `site=X`), or "Everywhere".
// Pure, tested in rows.test.ts; the RRULEs are expanded by the core, never
// here: each occurrence it sent is one event.
import type { Calendar } from '@event-calendar/core';
import { CALENDAR_KIND, calendarKindClass, type CalendarMeaning } from '../lib/palette';
import { targetsWords } from '../lib/targets';
import { floatingLocal } from './times';
import type { CalendarItemView, CalendarUpdateView, CalendarView, ItemKind, UpdatePhase } from './types';

/** The row ids: fixed ones, and `group:<value>` / `label:<key>=<value>` for label scopes. */
export const ROW_ALL = 'all';
export const ROW_GROUP = 'group';
export const ROW_DEVICES = 'devices';

/** The label rows are grouped by when nobody chose another. */
export const DEFAULT_GROUP_KEY = 'site';

/** What each colour means, as the legend and the item details say it. */
export const MEANING_WORDS: Record<CalendarMeaning, string> = {
  planned: 'planned downtime',
  unplanned: 'unplanned downtime',
  window: 'maintenance window',
  freeze: 'freeze',
  update_scheduled: 'update scheduled',
  update_running: 'update running',
  update_finished: 'update finished',
};

/** The word each calendar event starts with, so its colour is never the only sign of its kind. */
export const MEANING_PREFIX: Record<CalendarMeaning, string> = {
  planned: 'Planned',
  unplanned: 'Unplanned',
  window: 'Window',
  freeze: 'Freeze',
  update_scheduled: 'Update scheduled',
  update_running: 'Update running',
  update_finished: 'Update finished',
};

/** The kinds an admin plans, in the order the dialog lists them. */
export const ITEM_KINDS: readonly ItemKind[] = ['planned', 'unplanned', 'window', 'freeze'];

export interface LegendEntry {
  meaning: CalendarMeaning;
  word: string;
  /** The class with the meaning's colours (`cal-kind-planned`). */
  className: string;
  /** The custom property of its fill (`--cal-planned`). */
  property: string;
}

/** One legend entry per colour of the palette's calendar map, in its order. */
export function legendEntries(): LegendEntry[] {
  return (Object.keys(CALENDAR_KIND) as CalendarMeaning[]).map((meaning) => ({
    meaning,
    word: MEANING_WORDS[meaning],
    className: calendarKindClass(meaning),
    property: CALENDAR_KIND[meaning],
  }));
}

export function updateMeaning(phase: UpdatePhase): CalendarMeaning {
  return `update_${phase}`;
}

/** A label scope's row: the group row of its value when the key is the grouping one, else its own `key=value` row. */
export function labelRowId(key: string, value: string, groupKey: string): string {
  return key === groupKey ? `${ROW_GROUP}:${value}` : `label:${key}=${value}`;
}

/** The row an item goes to. */
export function itemRowId(item: Pick<CalendarItemView, 'scope'>, groupKey: string): string {
  const s = item.scope;
  switch (s.scope) {
    case 'all':
      return ROW_ALL;
    case 'devices':
      return ROW_DEVICES;
    case 'label':
      return labelRowId(s.key, s.value, groupKey);
  }
}

/** The rows an update goes to: each of its sites' rows, or "Everywhere" when it names none. */
export function updateRowIds(update: Pick<CalendarUpdateView, 'sites'>, groupKey: string): string[] {
  if (update.sites.length === 0) return [ROW_ALL];
  return [...new Set(update.sites.map((site) => labelRowId('site', site, groupKey)))];
}

/** The label keys rows can be grouped by: `site` first, then every key an item is scoped by. */
export function groupKeys(view: Pick<CalendarView, 'items'>): string[] {
  const keys = new Set<string>([DEFAULT_GROUP_KEY]);
  const others: string[] = [];
  for (const item of view.items) {
    if (item.scope.scope === 'label' && !keys.has(item.scope.key)) {
      keys.add(item.scope.key);
      others.push(item.scope.key);
    }
  }
  return [DEFAULT_GROUP_KEY, ...others.sort((a, b) => a.localeCompare(b))];
}

/** The title of the group parent row: "Sites" for sites, the key for any other ("line"). */
export function groupTitle(groupKey: string): string {
  return groupKey === DEFAULT_GROUP_KEY ? 'Sites' : groupKey;
}

export type Resource = Calendar.ResourceInput & { extendedProps: { row: string } };

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * The rows, in order: Everywhere; the group parent with a row per value (for
 * sites: every site the core knows, and any an item or update names); a
 * `key=value` row per other label scope; Listed devices. `collapsed` holds
 * the ids of parents the admin folded, so a reload keeps them folded.
 * `extendedProps.row` is the row's name, for the tests (`data-cal-row`).
 */
export function buildResources(view: CalendarView, groupKey: string, collapsed: ReadonlySet<string> = new Set()): Resource[] {
  const groupValues = new Set<string>(groupKey === DEFAULT_GROUP_KEY ? view.sites : []);
  const labelRows = new Set<string>();
  const addLabel = (key: string, value: string) => {
    if (key === groupKey) groupValues.add(value);
    else labelRows.add(`${key}=${value}`);
  };
  for (const item of view.items) {
    if (item.scope.scope === 'label') addLabel(item.scope.key, item.scope.value);
  }
  for (const update of view.updates) {
    for (const site of update.sites) addLabel('site', site);
  }

  const row = (id: string, title: string): Resource => ({ id, title, extendedProps: { row: title } });
  const rows: Resource[] = [row(ROW_ALL, 'Everywhere')];
  if (groupValues.size > 0) {
    const parent = row(ROW_GROUP, groupTitle(groupKey));
    parent.expanded = !collapsed.has(ROW_GROUP);
    parent.children = [...groupValues].sort(byName).map((value) => row(`${ROW_GROUP}:${value}`, value));
    rows.push(parent);
  }
  for (const name of [...labelRows].sort(byName)) rows.push(row(`label:${name}`, name));
  rows.push(row(ROW_DEVICES, 'Listed devices'));
  return rows;
}

/** A short key of the rows, to hand the library new rows only when they changed. */
export function resourcesKey(rows: Resource[]): string {
  const flat: string[] = [];
  const walk = (list: Calendar.ResourceInput[]) => {
    for (const r of list) {
      flat.push(`${r.id}|${String(r.title)}|${r.expanded === false ? 'folded' : ''}`);
      if (r.children) walk(r.children);
    }
  };
  walk(rows);
  return flat.join('\n');
}

/** What an event carries for the click, the details and the test hooks. */
export type EventProps =
  | { type: 'item'; item: number; occurrence: number; kind: CalendarMeaning }
  | { type: 'update'; update: number; kind: CalendarMeaning }
  | { type: 'summary'; row: string; days: DaySummary[]; kind: 'summary' };

/** A crowded day of a row, folded: the occurrences it stands for, its count ("12 items"), by kind in words, and its colour strip. */
export interface DaySummary {
  day: string;
  occurrences: OccurrenceRef[];
  title: string;
  words: string;
  /** The strip's CSS declaration (`summaryStrip`). */
  strip: string;
}

/** One occurrence of an item: the item's id and the occurrence's index in `occurrences`. */
export interface OccurrenceRef {
  item: number;
  occurrence: number;
}

export type CalendarEvent = Calendar.EventInput & { id: string; extendedProps: EventProps };

/** Occurrences longer than this are never folded into a day's summary: they show their whole span. */
const SUMMARY_MAX_MS = 24 * 3_600_000;

/** "planned", "unplanned", "windows", "freezes": how a summary counts each kind. */
const KIND_COUNT_WORDS: Record<ItemKind, [string, string]> = {
  planned: ['planned', 'planned'],
  unplanned: ['unplanned', 'unplanned'],
  window: ['window', 'windows'],
  freeze: ['freeze', 'freezes'],
};

/** "12 items: 5 planned, 4 unplanned, 3 windows". */
export function summaryTitle(counts: Partial<Record<ItemKind, number>>): string {
  const total = ITEM_KINDS.reduce((n, k) => n + (counts[k] ?? 0), 0);
  const parts = ITEM_KINDS.filter((k) => counts[k]).map((k) => `${counts[k]} ${KIND_COUNT_WORDS[k][counts[k] === 1 ? 0 : 1]}`);
  return `${total} ${total === 1 ? 'item' : 'items'}: ${parts.join(', ')}`;
}

/** A colour strip with each kind's share of a summary, in the palette's colours. */
export function summaryStrip(counts: Partial<Record<ItemKind, number>>): string {
  const total = ITEM_KINDS.reduce((n, k) => n + (counts[k] ?? 0), 0);
  let at = 0;
  const stops: string[] = [];
  for (const k of ITEM_KINDS) {
    const n = counts[k] ?? 0;
    if (!n) continue;
    const from = Math.round((at / total) * 1000) / 10;
    at += n;
    const to = Math.round((at / total) * 1000) / 10;
    stops.push(`var(${CALENDAR_KIND[k]}-fg) ${from}% ${to}%`);
  }
  return `background: linear-gradient(to right, ${stops.join(', ')}) left bottom / 100% 4px no-repeat, var(--panel)`;
}

/** The local day after `day` ("2026-11-28" → "2026-11-29"), across month ends. */
function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return floatingLocal(new Date(y, m - 1, d + 1)).slice(0, 10);
}

/**
 * One library event per occurrence of each item (`item-<id>-<n>`) and one per
 * update (`update-<id>`, in each of its rows). Times are floating local wall
 * clock (see `floatingLocal`). Titles start with the kind's word.
 *
 * With `perCell`, a row's day holding more than that many occurrences (of at
 * most a day each) is summarised in their place ("12 items"; by kind in
 * `words` for its tooltip and name). The summaries of a row's consecutive
 * days are one library event (`summary-<row>-<first day>`) spanning those
 * days, showing one box per day (`summaryHtml`): a month of thousands of
 * items is a few dozen events, as each event costs the library a component,
 * its layout and a reposition pass (about half a millisecond each in WebKit).
 * Updates are never folded.
 */
export function buildEvents(view: CalendarView, groupKey: string, perCell: number | null = null): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  /** Occurrences that may be folded, by `row|day`. */
  const cells = new Map<string, { event: CalendarEvent; kind: ItemKind; ref: OccurrenceRef }[]>();
  for (const item of view.items) {
    const row = itemRowId(item, groupKey);
    const title = `${MEANING_PREFIX[item.kind]}: ${item.title}`;
    const classNames = ['cal-ev', calendarKindClass(item.kind)];
    item.occurrences.forEach((o, n) => {
      const start = floatingLocal(o.from);
      const event: CalendarEvent = {
        id: `item-${item.id}-${n}`,
        resourceIds: [row],
        start,
        end: floatingLocal(o.to),
        title,
        classNames,
        extendedProps: { type: 'item', item: item.id, occurrence: n, kind: item.kind },
      };
      const foldable = perCell !== null && new Date(o.to).getTime() - new Date(o.from).getTime() <= SUMMARY_MAX_MS;
      if (!foldable) {
        events.push(event);
        return;
      }
      const key = `${row}|${start.slice(0, 10)}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = []));
      cell.push({ event, kind: item.kind, ref: { item: item.id, occurrence: n } });
    });
  }
  /** The summarised days of each row. */
  const crowded = new Map<string, DaySummary[]>();
  for (const [key, cell] of cells) {
    if (perCell === null || cell.length <= perCell) {
      for (const c of cell) events.push(c.event);
      continue;
    }
    const [row, day] = [key.slice(0, key.lastIndexOf('|')), key.slice(key.lastIndexOf('|') + 1)];
    const counts: Partial<Record<ItemKind, number>> = {};
    for (const c of cell) counts[c.kind] = (counts[c.kind] ?? 0) + 1;
    let days = crowded.get(row);
    if (!days) crowded.set(row, (days = []));
    days.push({
      day,
      occurrences: cell.map((c) => c.ref),
      title: cell.length === 1 ? '1 item' : `${cell.length} items`,
      words: summaryTitle(counts),
      strip: summaryStrip(counts),
    });
  }
  for (const [row, days] of crowded) {
    days.sort((a, b) => a.day.localeCompare(b.day));
    let run: DaySummary[] = [];
    const flush = () => {
      if (!run.length) return;
      const first = run[0].day;
      const last = run[run.length - 1].day;
      const total = run.reduce((n, d) => n + d.occurrences.length, 0);
      events.push({
        id: `summary-${row}-${first}`,
        resourceIds: [row],
        start: `${first}T00:00:00`,
        end: `${nextDay(last)}T00:00:00`,
        title: `${total} ${total === 1 ? 'item' : 'items'}`,
        classNames: ['cal-ev', 'cal-summary'],
        extendedProps: { type: 'summary', row, days: run, kind: 'summary' },
      });
      run = [];
    };
    for (const d of days) {
      if (run.length && nextDay(run[run.length - 1].day) !== d.day) flush();
      run.push(d);
    }
    flush();
  }
  for (const u of view.updates) {
    const meaning = updateMeaning(u.phase);
    events.push({
      id: `update-${u.id}`,
      resourceIds: updateRowIds(u, groupKey),
      start: floatingLocal(u.from),
      end: floatingLocal(u.to),
      title: `${MEANING_PREFIX[meaning]}: ${targetsWords(u.targets)} · ${u.title}`,
      classNames: ['cal-ev', 'cal-update', calendarKindClass(meaning)],
      extendedProps: { type: 'update', update: u.id, kind: meaning },
    });
  }
  return events;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\n': '&#10;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\n]/g, (c) => HTML_ESCAPES[c]);
}

/**
 * The inside of a summary event: one box per day, in the day's column, with
 * its count over its colour strip (the class `stripClass` gives the strip's
 * declaration; `data-cal-summary="<row>|<day>"`, `data-cal-count`), named and
 * titled with the kinds in words, the row's name (`rowName`) and the day
 * (`dayWords`). With `buttons`, each box is the button of its day (a click
 * lists the day's occurrences).
 */
export function summaryHtml(
  days: readonly DaySummary[],
  row: string,
  rowName: string,
  dayWords: (day: string) => string,
  stripClass: (strip: string) => string,
  buttons = true,
): string {
  const boxes = days.map((d) => {
    const when = dayWords(d.day);
    const title = buttons ? `${d.words}\n${rowName}, ${when}: click for the list` : `${d.words}\n${rowName}, ${when}`;
    return (
      `<span class="cal-day-summary ${escapeHtml(stripClass(d.strip))}"${buttons ? ' role="button" tabindex="0"' : ''}` +
      ` data-cal-summary="${escapeHtml(`${row}|${d.day}`)}" data-cal-count="${d.occurrences.length}"` +
      ` aria-label="${escapeHtml(`${d.words}, ${when}`)}" title="${escapeHtml(title)}">` +
      `${escapeHtml(d.title)}</span>`
    );
  });
  return `<div class="cal-day-summaries">${boxes.join('')}</div>`;
}

/** The name of each row (`extendedProps.row`) by id, children included. */
export function rowNames(rows: readonly Resource[], names = new Map<string, string>()): Map<string, string> {
  for (const r of rows) {
    names.set(String(r.id), r.extendedProps.row);
    rowNames((r.children ?? []) as Resource[], names);
  }
  return names;
}

/** How many things the events show: each occurrence or update event one, each summarised day one. */
export function shownCount(events: readonly CalendarEvent[]): number {
  return events.reduce((n, e) => n + (e.extendedProps.type === 'summary' ? e.extendedProps.days.length : 1), 0);
}

/** Whether the range holds nothing to show: no occurrence and no update. */
export function isEmptyView(view: CalendarView): boolean {
  return view.updates.length === 0 && view.items.every((i) => i.occurrences.length === 0);
}

/** How many events the range has: occurrences plus updates. */
export function eventCount(view: CalendarView): number {
  return view.items.reduce((n, i) => n + i.occurrences.length, 0) + view.updates.length;
}
