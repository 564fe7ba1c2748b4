// The planning calendar's command contract: what `calendar_range`,
// `add_downtime`, `edit_downtime`, `remove_downtime`, `import_ics` and
// `export_ics` take and answer. The Rust side (src-tauri) matches these
// exactly; api.ts has one typed function per command.

export type ItemKind = 'planned' | 'unplanned' | 'window' | 'freeze';
export type UpdatePhase = 'scheduled' | 'running' | 'finished';

export type ScopeView =
  | { scope: 'all' }
  | { scope: 'label'; key: string; value: string }
  | { scope: 'devices'; devices: number[]; names: string[] };

/** One occurrence of an item in the requested range, RFC 3339 UTC. */
export interface OccurrenceView {
  from: string;
  to: string;
}

export interface CalendarItemView {
  id: number;
  kind: ItemKind;
  title: string;
  /** The first occurrence, RFC 3339 UTC. */
  first_from: string;
  first_to: string;
  /** IANA name of the zone the item's wall-clock times and recurrence are in. */
  zone: string;
  /** e.g. "FREQ=WEEKLY;BYDAY=SA" */
  rrule: string | null;
  /** e.g. "every week on Saturday" */
  recurrence_words: string | null;
  /** Skipped occurrences, RFC 3339 UTC. */
  exdates: string[];
  scope: ScopeView;
  /** e.g. "devices with site=berlin" */
  scope_words: string;
  /** The occurrences in the requested range, expanded by the core. */
  occurrences: OccurrenceView[];
}

export interface CalendarUpdateView {
  id: number;
  title: string;
  product: string;
  version: string;
  from: string;
  /** The actual end once finished, else the planned end. */
  to: string;
  planned_to: string;
  phase: UpdatePhase;
  devices: number;
  sites: string[];
}

export interface CalendarView {
  items: CalendarItemView[];
  updates: CalendarUpdateView[];
  sites: string[];
}

export type ScopeInput =
  | { scope: 'all' }
  | { scope: 'label'; key: string; value: string }
  | { scope: 'devices'; names: string[] };

export interface DowntimeInput {
  kind: ItemKind;
  title: string;
  /** "YYYY-MM-DDTHH:MM" wall-clock time in `zone` (what datetime-local gives). */
  from: string;
  to: string;
  zone: string;
  rrule: string | null;
  /** Skipped occurrences as "YYYY-MM-DDTHH:MM" in `zone`. */
  exdates: string[];
  scope: ScopeInput;
}

export interface IcsEventView {
  index: number;
  uid: string | null;
  summary: string | null;
  imported: boolean;
  reason: string | null;
  item_id: number | null;
}

export interface IcsImportReportView {
  file: string;
  imported: number;
  skipped: number;
  events: IcsEventView[];
}

export interface IcsExportView {
  path: string;
  items: number;
  updates: number;
}
