// The downtime dialog's form as typed, turned into what the core checks
// (`DowntimeInput`), filled from an item, a selected range or the next full
// hour; and the core's errors mapped back to the input they name. Pure,
// tested in form.test.ts. The rules themselves (a valid zone, RRULE, label)
// live in the core: this only builds and splits.
import { DEFAULT_GROUP_KEY, ROW_ALL, ROW_DEVICES, ROW_GROUP } from './rows';
import { nextFullHour, parseWall, wallClock } from './times';
import type { CalendarItemView, DowntimeInput, ItemKind, ScopeInput, ScopeView } from './types';

export type Repeat = 'none' | 'daily' | 'weekly' | 'monthly' | 'custom';
export type Weekday = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';
export type ScopeChoice = 'all' | 'label' | 'devices';

/** The weekdays in the order RRULEs and the dialog list them. */
export const WEEKDAYS: readonly { code: Weekday; short: string; long: string }[] = [
  { code: 'MO', short: 'Mon', long: 'Monday' },
  { code: 'TU', short: 'Tue', long: 'Tuesday' },
  { code: 'WE', short: 'Wed', long: 'Wednesday' },
  { code: 'TH', short: 'Thu', long: 'Thursday' },
  { code: 'FR', short: 'Fri', long: 'Friday' },
  { code: 'SA', short: 'Sat', long: 'Saturday' },
  { code: 'SU', short: 'Sun', long: 'Sunday' },
];

export const REPEAT_WORDS: Record<Repeat, string> = {
  none: 'Does not repeat',
  daily: 'Every day',
  weekly: 'Every week on…',
  monthly: 'Every month on the same day',
  custom: 'Custom rule (RRULE)',
};

export const SCOPE_WORDS: Record<ScopeChoice, string> = {
  all: 'All devices',
  label: 'Devices with a label',
  devices: 'Listed devices',
};

/** The dialog's inputs, as typed. */
export interface DowntimeForm {
  kind: ItemKind;
  title: string;
  /** "YYYY-MM-DDTHH:MM", wall-clock time in `zone`. */
  from: string;
  to: string;
  zone: string;
  repeat: Repeat;
  /** For `weekly`: the days; none means the weekday of `from`. */
  weekdays: Weekday[];
  /** For `custom`: the RRULE text. */
  rrule: string;
  /** Occurrences to skip, by their date "YYYY-MM-DD"; each skips the occurrence starting that day at `from`'s time. */
  skipped: string[];
  scope: ScopeChoice;
  labelKey: string;
  labelValue: string;
  /** Device names, separated by commas or lines. */
  devices: string;
}

export function emptyForm(zone: string, kind: ItemKind = 'planned'): DowntimeForm {
  return {
    kind,
    title: '',
    from: '',
    to: '',
    zone,
    repeat: 'none',
    weekdays: [],
    rrule: '',
    skipped: [],
    scope: 'all',
    labelKey: DEFAULT_GROUP_KEY,
    labelValue: '',
    devices: '',
  };
}

/** The weekday of a wall-clock date ("2026-11-28T22:00" → SA); null when it is no date. */
export function weekdayOf(wall: string): Weekday | null {
  const w = parseWall(wall);
  if (!w) return null;
  const day = new Date(Date.UTC(w.y, w.m - 1, w.d)).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(day + 6) % 7].code;
}

/**
 * The RRULE the repeat choice stands for: null for none, `FREQ=DAILY`,
 * `FREQ=WEEKLY;BYDAY=MO,WE` (the chosen days in week order, else `from`'s),
 * `FREQ=MONTHLY`, or the custom text as typed (without a leading `RRULE:`),
 * which the core checks, even when empty.
 */
export function rruleOf(form: Pick<DowntimeForm, 'repeat' | 'weekdays' | 'rrule' | 'from'>): string | null {
  switch (form.repeat) {
    case 'none':
      return null;
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekly': {
      const chosen = WEEKDAYS.map((d) => d.code).filter((c) => form.weekdays.includes(c));
      const days = chosen.length ? chosen : [weekdayOf(form.from)].filter((d): d is Weekday => d !== null);
      return days.length ? `FREQ=WEEKLY;BYDAY=${days.join(',')}` : 'FREQ=WEEKLY';
    }
    case 'monthly':
      return 'FREQ=MONTHLY';
    case 'custom':
      return form.rrule.trim().replace(/^RRULE:/i, '');
  }
}

/**
 * The repeat choice an RRULE is shown as when an item is edited: the simple
 * rules the dialog writes map back to their choice, anything else is custom.
 */
export function repeatOf(rrule: string | null): Pick<DowntimeForm, 'repeat' | 'weekdays' | 'rrule'> {
  const text = (rrule ?? '').trim();
  if (text === '') return { repeat: 'none', weekdays: [], rrule: '' };
  const parts = text.toUpperCase().split(';');
  if (parts.length === 1 && parts[0] === 'FREQ=DAILY') return { repeat: 'daily', weekdays: [], rrule: text };
  if (parts.length === 1 && parts[0] === 'FREQ=MONTHLY') return { repeat: 'monthly', weekdays: [], rrule: text };
  if (parts[0] === 'FREQ=WEEKLY' && parts.length <= 2) {
    if (parts.length === 1) return { repeat: 'weekly', weekdays: [], rrule: text };
    const m = /^BYDAY=((?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*)$/.exec(parts[1]);
    if (m) return { repeat: 'weekly', weekdays: m[1].split(',') as Weekday[], rrule: text };
  }
  return { repeat: 'custom', weekdays: [], rrule: text };
}

/** Names separated by commas or new lines, trimmed, blanks dropped. */
export function splitNames(text: string): string[] {
  return text
    .split(/[,\n\r]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function scopeInputOf(form: Pick<DowntimeForm, 'scope' | 'labelKey' | 'labelValue' | 'devices'>): ScopeInput {
  switch (form.scope) {
    case 'all':
      return { scope: 'all' };
    case 'label':
      return { scope: 'label', key: form.labelKey.trim(), value: form.labelValue.trim() };
    case 'devices':
      return { scope: 'devices', names: splitNames(form.devices) };
  }
}

/** The form's scope inputs for a scope the core sent. */
export function scopeFormOf(scope: ScopeView | ScopeInput): Pick<DowntimeForm, 'scope' | 'labelKey' | 'labelValue' | 'devices'> {
  switch (scope.scope) {
    case 'all':
      return { scope: 'all', labelKey: DEFAULT_GROUP_KEY, labelValue: '', devices: '' };
    case 'label':
      return { scope: 'label', labelKey: scope.key, labelValue: scope.value, devices: '' };
    case 'devices':
      return { scope: 'devices', labelKey: DEFAULT_GROUP_KEY, labelValue: '', devices: scope.names.join(', ') };
  }
}

/** The time of day of a wall-clock time: "2026-11-28T22:00" → "22:00"; midnight for a bare date. */
function timeOfDay(wall: string): string {
  const m = /T(\d{2}:\d{2})/.exec(wall);
  return m ? m[1] : '00:00';
}

/** The skipped dates as the core takes them: each date at `from`'s time of day, sorted, once each. */
export function exdatesOf(form: Pick<DowntimeForm, 'skipped' | 'from' | 'repeat'>): string[] {
  if (form.repeat === 'none') return [];
  const time = timeOfDay(form.from);
  return [...new Set(form.skipped.map((d) => d.trim()).filter((d) => d !== ''))].sort().map((d) => `${d}T${time}`);
}

/** What the core is sent. Text is trimmed; the checking is the core's. */
export function toDowntimeInput(form: DowntimeForm): DowntimeInput {
  return {
    kind: form.kind,
    title: form.title.trim(),
    from: form.from,
    to: form.to,
    zone: form.zone.trim(),
    rrule: rruleOf(form),
    exdates: exdatesOf(form),
    scope: scopeInputOf(form),
  };
}

/** The form for editing an item: its first occurrence and skipped dates as the wall clock of its zone. */
export function formFromItem(item: CalendarItemView): DowntimeForm {
  return {
    kind: item.kind,
    title: item.title,
    from: wallClock(item.first_from, item.zone),
    to: wallClock(item.first_to, item.zone),
    zone: item.zone,
    ...repeatOf(item.rrule),
    skipped: [...new Set(item.exdates.map((x) => wallClock(x, item.zone).slice(0, 10)))].sort(),
    ...scopeFormOf(item.scope),
  };
}

/** The scope a row of the calendar stands for: a group row is its label, a label row its `key=value`. */
export function scopeOfRow(rowId: string | null | undefined, groupKey: string): ScopeInput {
  if (!rowId || rowId === ROW_ALL || rowId === ROW_GROUP) return { scope: 'all' };
  if (rowId === ROW_DEVICES) return { scope: 'devices', names: [] };
  if (rowId.startsWith(`${ROW_GROUP}:`)) return { scope: 'label', key: groupKey, value: rowId.slice(ROW_GROUP.length + 1) };
  if (rowId.startsWith('label:')) {
    const pair = rowId.slice('label:'.length);
    const eq = pair.indexOf('=');
    if (eq > 0) return { scope: 'label', key: pair.slice(0, eq), value: pair.slice(eq + 1) };
  }
  return { scope: 'all' };
}

/** The form for a range selected in a row: its times in `zone` and the row's scope. */
export function formFromRange(
  start: Date,
  end: Date,
  rowId: string | null | undefined,
  groupKey: string,
  zone: string,
  kind: ItemKind,
): DowntimeForm {
  return {
    ...emptyForm(zone, kind),
    from: wallClock(start, zone),
    to: wallClock(end, zone),
    ...scopeFormOf(scopeOfRow(rowId, groupKey)),
  };
}

/** The form of "New item": the next full hour, for an hour, everywhere. */
export function formAtNextHour(now: Date, zone: string, kind: ItemKind = 'planned'): DowntimeForm {
  const from = nextFullHour(now);
  const to = new Date(from.getTime() + 3_600_000);
  return { ...emptyForm(zone, kind), from: wallClock(from, zone), to: wallClock(to, zone) };
}

/** The inputs an error can point at, by the core's field name. */
export type DowntimeField = 'kind' | 'title' | 'from' | 'to' | 'zone' | 'rrule' | 'exdates' | 'scope';

const FIELDS: readonly DowntimeField[] = ['kind', 'title', 'from', 'to', 'zone', 'rrule', 'exdates', 'scope'];

/** The input the core's error field names: `scope.devices[2]` and `scope.key` are the scope's, `exdates[0]` the skipped dates'. */
export function fieldOf(field: string | null): DowntimeField | null {
  if (!field) return null;
  const base = field.split(/[[.]/, 1)[0];
  return (FIELDS as readonly string[]).includes(base) ? (base as DowntimeField) : null;
}

/** The message to show at the input: which device or skipped date (as typed) the core refused, and why. */
export function fieldMessage(field: string | null, message: string, form: DowntimeForm): string {
  const device = /^scope\.devices\[(\d+)\]$/.exec(field ?? '');
  if (device) {
    const i = Number(device[1]);
    const names = splitNames(form.devices);
    return i < names.length ? `Device ${i + 1} (${names[i]}): ${message}` : message;
  }
  const exdate = /^exdates\[(\d+)\]$/.exec(field ?? '');
  if (exdate) {
    const i = Number(exdate[1]);
    const sent = exdatesOf(form);
    return i < sent.length ? `Skipped date ${sent[i].slice(0, 10)}: ${message}` : message;
  }
  return message;
}
