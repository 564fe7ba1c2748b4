import { describe, expect, it } from 'vitest';
import type { DeviceImportReport, ImportRowDto } from '../lib/api';
import {
  importCounts,
  importNextStep,
  importStatusWord,
  importSucceeded,
  importSummary,
  rowField,
  rowProblem,
  rowsToShow,
} from './importReport';

const row = (i: number, status: string, field: string | null = null, rule: string | null = null): ImportRowDto => ({
  row: i,
  line: i + 2,
  name: `gw-${i}`,
  status,
  field,
  rule,
});
const report = (added: number, rows: ImportRowDto[]): DeviceImportReport => ({ added, rows });

describe('importSummary', () => {
  it('counts the devices imported', () => {
    const r = report(3, [row(0, 'added'), row(1, 'added'), row(2, 'added')]);
    expect(importSummary(r)).toBe('Imported 3 devices');
    expect(importSucceeded(r)).toBe(true);
    expect(importSummary(report(1, [row(0, 'added')]))).toBe('Imported 1 device');
    expect(importSummary(report(12345, []))).toBe('Imported 12,345 devices');
  });

  it('says nothing was imported and how many rows are invalid', () => {
    const r = report(0, [row(0, 'valid'), row(1, 'invalid', 'rows[1].url', 'bad'), row(2, 'invalid', 'rows[2].name', 'x')]);
    expect(importSummary(r)).toBe('Nothing imported: 2 of 3 rows are invalid');
    expect(importSucceeded(r)).toBe(false);
    expect(importSummary(report(0, [row(0, 'valid'), row(1, 'invalid')]))).toBe('Nothing imported: 1 of 2 rows is invalid');
    expect(importSummary(report(0, [row(0, 'invalid')]))).toBe('Nothing imported: 1 of 1 row is invalid');
  });

  it('covers a report without rows or without invalid ones', () => {
    expect(importSummary(report(0, []))).toBe('Nothing imported: the file has no devices');
    expect(importSummary(report(0, [row(0, 'valid')]))).toBe('Nothing imported');
  });
});

describe('importNextStep', () => {
  it('says what happens after an import', () => {
    expect(importNextStep(report(1, [row(0, 'added')]))).toMatch(/being read from their agents/);
  });

  it('says what to fix when nothing was imported', () => {
    expect(importNextStep(report(0, [row(0, 'valid'), row(1, 'valid'), row(2, 'invalid')]))).toBe(
      'The other 2 rows are fine. Fix the invalid row and import the file again: a file is imported whole or not at all.',
    );
    expect(importNextStep(report(0, [row(0, 'invalid'), row(1, 'invalid')]))).toBe(
      'Fix the invalid rows and import the file again: a file is imported whole or not at all.',
    );
    expect(importNextStep(report(0, [row(0, 'valid'), row(1, 'invalid')]))).toMatch(/^The other 1 row is fine\. /);
    expect(importNextStep(report(0, []))).toBeNull();
  });
});

describe('rows', () => {
  it('words each status', () => {
    expect(importStatusWord('added')).toBe('added');
    expect(importStatusWord('valid')).toBe('fine but not added');
    expect(importStatusWord('invalid')).toBe('invalid');
    expect(importStatusWord('skipped')).toBe('skipped');
  });

  it('names the column of a row error without the row', () => {
    expect(rowField('rows[3].labels[0]')).toBe('labels[0]');
    expect(rowField('rows[12].name')).toBe('name');
    expect(rowField('rows[3]')).toBe('row');
    expect(rowField(null)).toBe('row');
    expect(rowField('name')).toBe('name');
  });

  it('says what is wrong with an invalid row only', () => {
    expect(rowProblem(row(2, 'invalid', 'rows[2].url', 'must be an http:// or https:// URL'))).toBe(
      'url: must be an http:// or https:// URL',
    );
    expect(rowProblem(row(2, 'invalid', null, null))).toBe('row: invalid');
    expect(rowProblem(row(2, 'valid'))).toBeNull();
    expect(rowProblem(row(2, 'added'))).toBeNull();
  });

  it('counts the rows by status', () => {
    expect(importCounts(report(0, [row(0, 'valid'), row(1, 'invalid'), row(2, 'valid')]))).toEqual({
      rows: 3,
      added: 0,
      valid: 2,
      invalid: 1,
    });
  });

  it('lists invalid rows first, in file order, up to a maximum', () => {
    const r = report(0, [row(0, 'valid'), row(3, 'invalid'), row(1, 'invalid'), row(2, 'valid')]);
    expect(rowsToShow(r).shown.map((x) => x.row)).toEqual([1, 3, 0, 2]);
    expect(rowsToShow(r).hidden).toBe(0);
    const few = rowsToShow(r, 3);
    expect(few.shown.map((x) => x.row)).toEqual([1, 3, 0]);
    expect(few.hidden).toBe(1);
    expect(r.rows.map((x) => x.row)).toEqual([0, 3, 1, 2]);
  });
});
