// How the Landscape screen words the report of a CSV import of devices: the
// summary sentence, each row's status and problem, and which rows are listed
// when there are many. Pure, tested in importReport.test.ts.
import type { DeviceImportReport, ImportRowDto } from '../lib/api';
import { count } from './format';

/** The statuses a row of the report can have. */
export type ImportRowStatus = 'added' | 'valid' | 'invalid';

/** What each status is called on screen. */
export const IMPORT_STATUS_WORDS: Record<ImportRowStatus, string> = {
  added: 'added',
  valid: 'fine but not added',
  invalid: 'invalid',
};

/** The word for a row's status (the core's own word for one this screen does not know). */
export function importStatusWord(status: string): string {
  return Object.prototype.hasOwnProperty.call(IMPORT_STATUS_WORDS, status)
    ? IMPORT_STATUS_WORDS[status as ImportRowStatus]
    : status;
}

/** How many rows have each status. */
export function importCounts(r: DeviceImportReport): { rows: number; added: number; valid: number; invalid: number } {
  const n = (s: string) => r.rows.filter((row) => row.status === s).length;
  return { rows: r.rows.length, added: n('added'), valid: n('valid'), invalid: n('invalid') };
}

/** Whether the import added devices. */
export function importSucceeded(r: DeviceImportReport): boolean {
  return r.added > 0;
}

/**
 * The report in one sentence: "Imported 120 devices", or "Nothing imported:
 * 3 of 120 rows are invalid" (the import adds every row or none).
 */
export function importSummary(r: DeviceImportReport): string {
  if (r.added > 0) return `Imported ${count(r.added, 'device')}`;
  const c = importCounts(r);
  if (c.rows === 0) return 'Nothing imported: the file has no devices';
  if (c.invalid === 0) return 'Nothing imported';
  return `Nothing imported: ${c.invalid.toLocaleString('en-GB')} of ${count(c.rows, 'row')} ${c.invalid === 1 ? 'is' : 'are'} invalid`;
}

/** What follows the summary: what happens next, or what to do. Null when nothing needs saying. */
export function importNextStep(r: DeviceImportReport): string | null {
  if (r.added > 0) return 'Their versions, modules and labels are being read from their agents.';
  const c = importCounts(r);
  if (c.invalid === 0) return null;
  const fine = c.rows - c.invalid;
  const rest = fine > 0 ? `The other ${count(fine, 'row')} ${fine === 1 ? 'is' : 'are'} fine. ` : '';
  return `${rest}Fix the invalid ${c.invalid === 1 ? 'row' : 'rows'} and import the file again: a file is imported whole or not at all.`;
}

/**
 * The column a row's error names, without the row: `rows[3].labels[0]` →
 * `labels[0]`, `rows[3].name` → `name`; the whole row (`rows[3]`) → `row`.
 */
export function rowField(field: string | null): string {
  if (!field) return 'row';
  const rest = field.replace(/^rows\[\d+\]\.?/, '');
  return rest === '' ? 'row' : rest;
}

/** What is wrong with a row, as "field: rule"; null for a row that is fine. */
export function rowProblem(row: ImportRowDto): string | null {
  if (row.status !== 'invalid') return null;
  const rule = row.rule ?? 'invalid';
  return `${rowField(row.field)}: ${rule}`;
}

/**
 * The rows to list, at most `max`: the invalid ones first, then the rest,
 * each group in file order; `hidden` counts those left out.
 */
export function rowsToShow(r: DeviceImportReport, max = 500): { shown: ImportRowDto[]; hidden: number } {
  const bad = r.rows.filter((row) => row.status === 'invalid');
  const good = r.rows.filter((row) => row.status !== 'invalid');
  const byRow = (a: ImportRowDto, b: ImportRowDto) => a.row - b.row;
  const all = [...bad.sort(byRow), ...good.sort(byRow)];
  return { shown: all.slice(0, max), hidden: Math.max(0, all.length - max) };
}
