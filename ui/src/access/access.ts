// How the Users & audit screen words and builds what it sends: pure, tested in access.test.ts.
import type { AuditOutcome, AuditQuery, AuditRow, ChainStatus, UserRow } from '../lib/api';

/** Every action the audit log names, in the order the filter lists them. */
export const AUDIT_ACTIONS = [
  'update.create',
  'update.approve',
  'update.cancel',
  'device_update.cancel',
  'downtime.add',
  'downtime.edit',
  'downtime.remove',
  'device.add',
  'device.edit',
  'device.remove',
  'version.import',
  'role.grant',
  'role.revoke',
] as const;

export const OUTCOMES: readonly AuditOutcome[] = ['done', 'refused', 'failed'];

/** The backend's page length: a shorter page is the last one. */
export const AUDIT_PAGE_LEN = 200;

/** The audit filters as the form holds them; '' means "any". */
export interface AuditFilters {
  actor: string;
  action: string;
  outcome: AuditOutcome | '';
  text: string;
}

export const NO_FILTERS: AuditFilters = { actor: '', action: '', outcome: '', text: '' };

/** The query for `filters`: blanks (and whitespace) become null, names are trimmed. */
export function toQuery(filters: AuditFilters, before: number | null = null): AuditQuery {
  const blank = (s: string) => (s.trim() === '' ? null : s.trim());
  return {
    actor: blank(filters.actor),
    action: blank(filters.action),
    outcome: filters.outcome === '' ? null : filters.outcome,
    text: blank(filters.text),
    before,
  };
}

/** Whether any filter narrows the log. */
export function isFiltered(filters: AuditFilters): boolean {
  const q = toQuery(filters);
  return q.actor !== null || q.action !== null || q.outcome !== null || q.text !== null;
}

/** The loaded entries and whether older ones may exist. */
export interface AuditPage {
  rows: AuditRow[];
  more: boolean;
}

/** Appends an older page to what is shown (newest first), dropping any entry already there. */
export function appendOlder(shown: AuditRow[], older: AuditRow[]): AuditPage {
  const seen = new Set(shown.map((r) => r.seq));
  return {
    rows: [...shown, ...older.filter((r) => !seen.has(r.seq))],
    more: older.length >= AUDIT_PAGE_LEN,
  };
}

/** The `before` for the page after `rows`: the oldest (last) entry shown. */
export function oldestSeq(rows: AuditRow[]): number | null {
  return rows.length ? rows[rows.length - 1].seq : null;
}

/** The start of a hash, enough to compare by eye. */
export function shortHash(hash: string, len = 12): string {
  return hash.length > len ? `${hash.slice(0, len)}…` : hash;
}

/** What verifying the chain found, in one sentence. */
export function chainSummary(c: ChainStatus): { intact: boolean; text: string } {
  if (c.broken_seq !== null || c.broken_reason !== null) {
    const which = c.broken_seq !== null ? `Entry #${c.broken_seq}` : 'An entry';
    return { intact: false, text: `${which} does not fit: ${c.broken_reason ?? 'no reason given'}` };
  }
  const entries = `${c.entries} ${c.entries === 1 ? 'entry' : 'entries'}`;
  if (c.head_seq === null || c.head_hash === null) {
    return { intact: true, text: `${entries}, chain intact (the log is empty)` };
  }
  return { intact: true, text: `${entries}, chain intact, head #${c.head_seq} hash ${shortHash(c.head_hash)}` };
}

/** Why a user name cannot be granted a role, as the backend would say; null when it can. */
export function nameProblem(raw: string): string | null {
  const name = raw.trim();
  if (name === '') return 'Type the account name first.';
  if ([...name].length > 64) return 'A user name has at most 64 characters.';
  return null;
}

/** Whether `name` is the only admin, whom the backend refuses to demote. */
export function isLastAdmin(users: UserRow[], name: string): boolean {
  const admins = users.filter((u) => u.role === 'admin');
  return admins.length === 1 && admins[0].name === name;
}
