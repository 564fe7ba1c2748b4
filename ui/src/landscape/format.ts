// How the Landscape screen words what the core sends: reach, drift, labels,
// latency, relative times, sync reports and module changes. Pure, tested in
// format.test.ts; the colours for these meanings are in lib/palette.ts.
import type { DeviceRow, ModuleDiffRow, ProductState, Reachability, SyncReportDto, VersionSpreadDto } from '../lib/api';
import { localTime } from '../lib/time';

/** "1 device", "12,345 devices". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

// ---- reach ----

/** The reach states in the order the filter lists them. */
export const REACH_STATES: readonly Reachability[] = ['reachable', 'unreachable', 'identity_mismatch', 'unknown'];

/** What each reach state is called on screen. */
export const REACH_WORDS: Record<Reachability, string> = {
  reachable: 'reachable',
  unreachable: 'unreachable',
  identity_mismatch: 'identity mismatch',
  unknown: 'not synced yet',
};

type ReachFields = Pick<DeviceRow, 'reach' | 'last_seen' | 'latency_ms' | 'last_error' | 'agent_id' | 'reported_id'>;

/** Why a device has its reach state, for the badge's tooltip: the last error or the identity it answered with. */
export function reachDetail(d: ReachFields, opts: { timeZone?: string; now?: Date } = {}): string {
  const lines: string[] = [];
  if (d.reach === 'identity_mismatch') {
    lines.push(
      `The agent at this address answers as ${d.reported_id ?? 'another device'}, not as ${d.agent_id ?? 'the device added here'}.`,
    );
  } else if (d.reach === 'unknown') {
    lines.push('Not synced yet: Rollwright has not read this device from its agent.');
  }
  if (d.last_error) lines.push(`Last error: ${d.last_error}`);
  lines.push(d.last_seen ? `Last seen ${localTime(d.last_seen, opts)}` : 'Never seen');
  if (d.latency_ms !== null) lines.push(`Latency ${latency(d.latency_ms)}`);
  return lines.join('\n');
}

/** "12 ms", "1.2 s", "—" when never measured. */
export function latency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" ("in 5 min" for a clock ahead of ours); "never" for none. */
export function ago(iso: string | null, now: Date): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const secs = Math.round((now.getTime() - t) / 1000);
  const abs = Math.abs(secs);
  if (abs < 60) return 'just now';
  const [n, unit] =
    abs < 3600 ? [Math.floor(abs / 60), 'min'] : abs < 86_400 ? [Math.floor(abs / 3600), 'h'] : [Math.floor(abs / 86_400), 'd'];
  return secs >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

// ---- versions and drift ----

/** "2.1.0 / 2.0.0": configured / deployed, "—" for one not known. */
export function versionPair(p: ProductState): string {
  return `${p.configured ?? '—'} / ${p.deployed ?? '—'}`;
}

/** One product's state in a sentence, for tooltips: "hmi: configured 2.1.0, deployed 2.0.0 (drifted)". */
export function productSentence(p: ProductState): string {
  const drift = p.drifted ? ' (drifted: runs another version than configured)' : '';
  return `${p.product}: configured ${p.configured ?? 'none'}, deployed ${p.deployed ?? 'none'}${drift}`;
}

/** The products in the order a row shows them: the filtered product first, then drifted ones, then by name. */
export function orderProducts(products: readonly ProductState[], first: string | null = null): ProductState[] {
  const rank = (p: ProductState) => (p.product === first ? 0 : p.drifted ? 1 : 2);
  return [...products].sort((a, b) => rank(a) - rank(b) || a.product.localeCompare(b.product));
}

// ---- labels ----

export interface Label {
  key: string;
  value: string;
  /** Set by an admin rather than reported by the agent (an admin's label wins over the agent's). */
  admin: boolean;
}

/** A device's labels, `site` first, then by key; each says whether an admin set it. */
export function orderLabels(labels: Record<string, string>, admin: Record<string, string> = {}): Label[] {
  return Object.entries(labels)
    .map(([key, value]) => ({ key, value, admin: Object.prototype.hasOwnProperty.call(admin, key) }))
    .sort((a, b) => (a.key === 'site' ? -1 : b.key === 'site' ? 1 : a.key.localeCompare(b.key)));
}

/** The labels for a tooltip, one a line, saying who set each. */
export function labelsDetail(labels: Label[]): string {
  if (labels.length === 0) return 'No labels';
  return labels.map((l) => `${l.key}=${l.value} (${l.admin ? 'set by an admin' : 'from the agent'})`).join('\n');
}

// ---- sync reports ----

/** "120 devices: 118 reached (3 changed), 1 unreachable, 1 answering as another device". */
export function syncSentence(r: SyncReportDto): string {
  return (
    `${count(r.devices, 'device')}: ${r.reached.toLocaleString('en-GB')} reached ` +
    `(${r.changed.toLocaleString('en-GB')} changed), ${r.unreachable.toLocaleString('en-GB')} unreachable, ` +
    `${r.mismatched.toLocaleString('en-GB')} answering as another device`
  );
}

/** What syncing one device found, in one sentence. */
export function deviceSyncSentence(r: SyncReportDto): string {
  if (r.devices === 0) return 'The device was not synced: it is no longer in the landscape.';
  if (r.mismatched > 0) return 'Synced: the agent at this address answers as another device.';
  if (r.unreachable > 0) {
    const why = r.failures[0]?.error;
    return why ? `Synced: the device is unreachable (${why}).` : 'Synced: the device is unreachable.';
  }
  return r.changed > 0 ? 'Synced: the device was reached and its inventory changed.' : 'Synced: the device was reached; nothing changed.';
}

// ---- module changes ----

export interface DiffWording {
  /** "Added", "Removed", "Modified" (or the core's word, capitalised, for a change this screen does not know). */
  word: string;
  /** The palette class of the change. */
  kind: 'added' | 'removed' | 'modified' | 'other';
  /** "1.2.0 → 1.3.0", "new at 1.3.0", "was 1.2.0". */
  versions: string;
}

/** How a row of a module diff reads. */
export function diffWording(row: ModuleDiffRow): DiffWording {
  switch (row.change) {
    case 'added':
      return { word: 'Added', kind: 'added', versions: `new at ${row.to ?? '?'}` };
    case 'removed':
      return { word: 'Removed', kind: 'removed', versions: `was ${row.from ?? '?'}` };
    case 'modified':
      return { word: 'Modified', kind: 'modified', versions: `${row.from ?? '?'} → ${row.to ?? '?'}` };
    default: {
      const word = row.change ? row.change[0].toUpperCase() + row.change.slice(1) : 'Changed';
      return { word, kind: 'other', versions: `${row.from ?? '—'} → ${row.to ?? '—'}` };
    }
  }
}

/** "2 added, 1 removed, 5 modified"; "no module changes" for none. */
export function diffSummary(rows: readonly ModuleDiffRow[]): string {
  if (rows.length === 0) return 'no module changes';
  const n = (c: string) => rows.filter((r) => r.change === c).length;
  const parts = [`${n('added')} added`, `${n('removed')} removed`, `${n('modified')} modified`];
  const other = rows.length - n('added') - n('removed') - n('modified');
  if (other > 0) parts.push(`${other} other`);
  return parts.join(', ');
}

// ---- version spread ----

export interface SpreadSeries {
  /** Versions shown, oldest first (left to right). */
  versions: string[];
  configured: number[];
  deployed: number[];
  /** Older versions left out of the chart (still in its text table), and the devices configured at / running them. */
  older: number;
  olderConfigured: number;
  olderDeployed: number;
}

type VersionCount = VersionSpreadDto['versions'][number];

/** The newest `max` versions of a spread (the core sends newest first) as chart series, oldest first. */
export function spreadSeries(versions: readonly VersionCount[], max = 12): SpreadSeries {
  const shown = versions.slice(0, max).reverse();
  const rest = versions.slice(max);
  return {
    versions: shown.map((v) => v.version),
    configured: shown.map((v) => v.configured),
    deployed: shown.map((v) => v.deployed),
    older: rest.length,
    olderConfigured: rest.reduce((n, v) => n + v.configured, 0),
    olderDeployed: rest.reduce((n, v) => n + v.deployed, 0),
  };
}

// ---- removing a device ----

/** What removing a device did: `deleted` (it had no update history) or `retired` (kept for it). */
export type Removal = 'deleted' | 'retired';

/** "Removed gw-01." / "Retired gw-01: kept for its update history, gone from every list." */
export function removalSentence(name: string, outcome: Removal): string {
  return outcome === 'retired'
    ? `Retired ${name}: kept for its update history, gone from every list.`
    : `Removed ${name}.`;
}
