// How the calendar words an item, an update and the .ics import and export:
// windows in local time and UTC, durations, counts. Pure, tested in
// details.test.ts.
import { localTime, utcTime } from '../lib/time';
import { MEANING_WORDS, updateMeaning } from './rows';
import { durationWords } from './times';
import type { CalendarItemView, CalendarUpdateView, IcsExportView, IcsImportReportView, ScopeView } from './types';

export interface TimeOptions {
  /** The zone "local" is (the workstation's by default; tests pass one). */
  timeZone?: string;
  now?: Date;
}

export interface WindowWords {
  /** "Sat 28 Nov, 22:00 CET – Sun 29 Nov, 02:00 CET" */
  local: string;
  /** "2026-11-28 21:00:00 UTC – 2026-11-29 01:00:00 UTC" */
  utc: string;
  /** "4 h" */
  duration: string;
}

/** A window from `from` to `to` (RFC 3339) in local time, in UTC and as a duration. */
export function windowWords(from: string, to: string, opts: TimeOptions = {}): WindowWords {
  return {
    local: `${localTime(from, opts)} – ${localTime(to, opts)}`,
    utc: `${utcTime(from)} – ${utcTime(to)}`,
    duration: durationWords(new Date(to).getTime() - new Date(from).getTime()),
  };
}

/** "1 device", "12 devices". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** The scope in words: the core's words, and for listed devices their names. */
export function scopeLine(scope: ScopeView, words: string): string {
  if (scope.scope === 'devices' && scope.names.length > 0 && !scope.names.every((n) => words.includes(n))) {
    return `${words}: ${scope.names.join(', ')}`;
  }
  return words;
}

/** "every week on Saturday", or "does not repeat". */
export function recurrenceLine(item: Pick<CalendarItemView, 'rrule' | 'recurrence_words'>): string {
  if (!item.rrule) return 'does not repeat';
  return item.recurrence_words ?? 'repeats (see the rule)';
}

/** What kind of item it is, in words ("planned downtime"). */
export function itemKindWords(item: Pick<CalendarItemView, 'kind'>): string {
  return MEANING_WORDS[item.kind];
}

/** "running", "scheduled", "finished". */
export function phaseWords(update: Pick<CalendarUpdateView, 'phase'>): string {
  return MEANING_WORDS[updateMeaning(update.phase)].replace(/^update /, '');
}

/** How an update's end is worded: finished early or late against its plan. */
export function updateEndNote(update: Pick<CalendarUpdateView, 'phase' | 'to' | 'planned_to'>): string | null {
  if (update.phase !== 'finished' || update.to === update.planned_to) return null;
  const diff = new Date(update.to).getTime() - new Date(update.planned_to).getTime();
  if (Number.isNaN(diff) || diff === 0) return null;
  return diff > 0 ? `${durationWords(diff)} later than planned` : `${durationWords(-diff)} earlier than planned`;
}

/** "Imported 3 of 5 events from /home/ann/plan.ics; 2 skipped." */
export function importSentence(report: IcsImportReportView): string {
  const total = report.imported + report.skipped;
  const skipped = report.skipped ? `; ${report.skipped} skipped` : '';
  return `Imported ${report.imported} of ${count(total, 'event')} from ${report.file}${skipped}.`;
}

/** "Wrote 12 items and 3 updates to /home/ann/plan.ics." */
export function exportSentence(view: IcsExportView): string {
  return `Wrote ${count(view.items, 'item')} and ${count(view.updates, 'update')} to ${view.path}.`;
}
