// Editing the labels an admin gives a device: the edit as a list of the
// admin's labels as they will be, the set/unset the core is sent for it, and
// the core's error fields (`set[0]`, `unset[1]`) mapped back to the label they
// name. Pure, tested in labelEdit.test.ts. What a valid key or value is stays
// the core's rule; this only splits at `=` and compares.
import { parseLabels } from './addForm';

/** One label as `key` and `value`. */
export interface LabelEntry {
  key: string;
  value: string;
}

/** What the core is sent: `key=value` to set, `key` to remove. */
export interface LabelChanges {
  set: string[];
  unset: string[];
}

/** How a label of the edit compares with the device's labels before it. */
export type EditState = 'kept' | 'changed' | 'new' | 'removed';

/** One line of the editor. */
export interface EditRow {
  key: string;
  /** The value it will have (for a removed label: the one it had). */
  value: string;
  state: EditState;
  /** The value before the edit, for a changed label. */
  was?: string;
  /** The agent's value this label overrides, when the agent reports the key (known only for a new label). */
  overrides?: string;
}

const has = (o: Record<string, string>, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** Keys in the order the pane lists labels: `site` first, then by key. */
export function byKey(a: string, b: string): number {
  return a === b ? 0 : a === 'site' ? -1 : b === 'site' ? 1 : a.localeCompare(b);
}

/** The edit as it starts: the admin's labels, in the pane's order. */
export function startEdit(admin: Record<string, string>): LabelEntry[] {
  return Object.keys(admin)
    .sort(byKey)
    .map((key) => ({ key, value: admin[key] }));
}

/** The labels the agent reports that no admin label overrides: shown, not editable. */
export function agentLabels(labels: Record<string, string>, admin: Record<string, string>): LabelEntry[] {
  return Object.keys(labels)
    .filter((key) => !has(admin, key))
    .sort(byKey)
    .map((key) => ({ key, value: labels[key] }));
}

/**
 * What is typed into "Add label": one or more `key=value`, separated by
 * commas or new lines. Split at the first `=`; the core checks the rest.
 * An entry without `=` is refused here, since it names no value.
 */
export function parseEntries(text: string): { entries: LabelEntry[] } | { error: string } {
  const parts = parseLabels(text);
  if (parts.length === 0) return { error: 'Type a label as key=value.' };
  const entries: LabelEntry[] = [];
  for (const part of parts) {
    const at = part.indexOf('=');
    if (at < 0) return { error: `Write each label as key=value ("${part}" has no "=").` };
    entries.push({ key: part.slice(0, at), value: part.slice(at + 1) });
  }
  return { entries };
}

/** The edit with `entries` added: a key already in it takes the new value in place, a new key goes last. */
export function addEntries(draft: readonly LabelEntry[], entries: readonly LabelEntry[]): LabelEntry[] {
  const out = draft.map((e) => ({ ...e }));
  for (const e of entries) {
    const same = out.find((o) => o.key === e.key);
    if (same) same.value = e.value;
    else out.push({ key: e.key, value: e.value });
  }
  return out;
}

/** The edit without the label `key`. */
export function removeEntry(draft: readonly LabelEntry[], key: string): LabelEntry[] {
  return draft.filter((e) => e.key !== key);
}

/** The edit with a removed label of the device (`original`) back at its value. */
export function restoreEntry(draft: readonly LabelEntry[], original: Record<string, string>, key: string): LabelEntry[] {
  if (!has(original, key)) return [...draft];
  return addEntries(draft, [{ key, value: original[key] }]);
}

/**
 * What to send for the edit: each new or changed label as `key=value` (in the
 * edit's order), each of the device's admin labels no longer in it as `key`
 * (in the pane's order). Unchanged labels are not sent.
 */
export function labelChanges(original: Record<string, string>, draft: readonly LabelEntry[]): LabelChanges {
  const kept = new Set(draft.map((e) => e.key));
  return {
    set: draft.filter((e) => !has(original, e.key) || original[e.key] !== e.value).map((e) => `${e.key}=${e.value}`),
    unset: Object.keys(original)
      .filter((key) => !kept.has(key))
      .sort(byKey),
  };
}

/** Whether the edit changes nothing. */
export function isUnchanged(c: LabelChanges): boolean {
  return c.set.length === 0 && c.unset.length === 0;
}

/** "1 label to set, 2 to remove"; "no changes". */
export function changeSummary(c: LabelChanges): string {
  const parts: string[] = [];
  if (c.set.length) parts.push(`${c.set.length} ${c.set.length === 1 ? 'label' : 'labels'} to set`);
  if (c.unset.length) parts.push(`${c.unset.length} to remove`);
  return parts.length ? parts.join(', ') : 'no changes';
}

/**
 * The editor's lines: the device's admin labels in the pane's order (kept,
 * changed or removed), then the new ones in the order they were added. A new
 * label whose key the agent reports says which value it overrides.
 */
export function editRows(
  original: Record<string, string>,
  draft: readonly LabelEntry[],
  agent: Record<string, string> = {},
): EditRow[] {
  const now = new Map(draft.map((e) => [e.key, e.value]));
  const rows: EditRow[] = Object.keys(original)
    .sort(byKey)
    .map((key) => {
      const value = now.get(key);
      if (value === undefined) return { key, value: original[key], state: 'removed' };
      return value === original[key] ? { key, value, state: 'kept' } : { key, value, state: 'changed', was: original[key] };
    });
  for (const e of draft) {
    if (has(original, e.key)) continue;
    const row: EditRow = { key: e.key, value: e.value, state: 'new' };
    if (has(agent, e.key)) row.overrides = agent[e.key];
    rows.push(row);
  }
  return rows;
}

/**
 * The label the core's error field names, as a key of the edit: `set[i]` is
 * the key of `changes.set[i]`, `unset[i]` is `changes.unset[i]`. Null for any
 * other field (`set` alone: nothing to change; `name`: the device).
 */
export function errorKey(field: string | null, changes: LabelChanges): string | null {
  const m = /^(set|unset)\[(\d+)\]/.exec(field ?? '');
  if (!m) return null;
  const i = Number(m[2]);
  if (m[1] === 'unset') return changes.unset[i] ?? null;
  const label = changes.set[i];
  return label === undefined ? null : label.slice(0, label.indexOf('='));
}
