import { describe, expect, it } from 'vitest';
import type { AuditRow, UserRow } from '../lib/api';
import {
  AUDIT_ACTIONS,
  AUDIT_PAGE_LEN,
  NO_FILTERS,
  appendOlder,
  chainSummary,
  isFiltered,
  isLastAdmin,
  nameProblem,
  oldestSeq,
  shortHash,
  toQuery,
} from './access';

const row = (seq: number): AuditRow => ({
  seq,
  at: '2026-11-28T21:00:05Z',
  actor: 'root',
  role: 'admin',
  action: 'role.grant',
  objects: 'user ann',
  outcome: 'done',
  detail: 'ann is now admin',
  hash: 'ab'.repeat(32),
});

describe('toQuery', () => {
  it('sends null for every blank filter', () => {
    expect(toQuery(NO_FILTERS)).toEqual({ actor: null, action: null, outcome: null, text: null, before: null });
    expect(toQuery({ actor: '  ', action: '', outcome: '', text: ' \t' })).toEqual({
      actor: null,
      action: null,
      outcome: null,
      text: null,
      before: null,
    });
  });

  it('trims what is typed and passes the page start', () => {
    expect(toQuery({ actor: ' ann ', action: 'role.grant', outcome: 'refused', text: ' gw-01 ' }, 812)).toEqual({
      actor: 'ann',
      action: 'role.grant',
      outcome: 'refused',
      text: 'gw-01',
      before: 812,
    });
  });

  it('knows when the log is narrowed', () => {
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, text: '  ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, outcome: 'failed' })).toBe(true);
  });
});

describe('paging', () => {
  it('continues after the oldest entry shown', () => {
    expect(oldestSeq([])).toBeNull();
    expect(oldestSeq([row(9), row(8), row(5)])).toBe(5);
  });

  it('appends older entries once and knows when there are no more', () => {
    const page = appendOlder([row(9), row(8)], [row(8), row(7)]);
    expect(page.rows.map((r) => r.seq)).toEqual([9, 8, 7]);
    expect(page.more).toBe(false);
    const full = Array.from({ length: AUDIT_PAGE_LEN }, (_, i) => row(1000 - i));
    expect(appendOlder([], full).more).toBe(true);
  });
});

describe('chainSummary', () => {
  it('says an intact chain with its head', () => {
    const s = chainSummary({
      entries: 42,
      head_seq: 42,
      head_hash: '0123456789abcdef0123',
      broken_seq: null,
      broken_reason: null,
    });
    expect(s).toEqual({ intact: true, text: '42 entries, chain intact, head #42 hash 0123456789ab…' });
  });

  it('says an empty log is intact', () => {
    expect(
      chainSummary({ entries: 0, head_seq: null, head_hash: null, broken_seq: null, broken_reason: null }).text,
    ).toBe('0 entries, chain intact (the log is empty)');
    expect(
      chainSummary({ entries: 1, head_seq: 1, head_hash: 'abc', broken_seq: null, broken_reason: null }).text,
    ).toBe('1 entry, chain intact, head #1 hash abc');
  });

  it('names the first entry that does not fit', () => {
    const s = chainSummary({
      entries: 42,
      head_seq: 42,
      head_hash: 'ff',
      broken_seq: 17,
      broken_reason: 'hash does not match its content',
    });
    expect(s).toEqual({ intact: false, text: 'Entry #17 does not fit: hash does not match its content' });
  });
});

describe('shortHash', () => {
  it('keeps short hashes whole', () => {
    expect(shortHash('abcd')).toBe('abcd');
    expect(shortHash('abcdef', 4)).toBe('abcd…');
  });
});

describe('users', () => {
  const users: UserRow[] = [
    { name: 'ann', role: 'admin', granted_by: 'root', granted_at: '2026-11-28T21:00:05Z' },
    { name: 'bob', role: 'viewer', granted_by: 'ann', granted_at: '2026-11-28T21:00:05Z' },
  ];

  it('checks a name as the backend does', () => {
    expect(nameProblem('  ')).not.toBeNull();
    expect(nameProblem(' ann ')).toBeNull();
    expect(nameProblem('x'.repeat(64))).toBeNull();
    expect(nameProblem('x'.repeat(65))).not.toBeNull();
  });

  it('finds the last admin', () => {
    expect(isLastAdmin(users, 'ann')).toBe(true);
    expect(isLastAdmin(users, 'bob')).toBe(false);
    expect(isLastAdmin([...users, { ...users[1], name: 'cy', role: 'admin' }], 'ann')).toBe(false);
  });

  it('lists every action once', () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    expect(AUDIT_ACTIONS).toContain('role.revoke');
  });
});
