// How the Update status screen words what the core sends: versions, deploy
// options, counts, times, pages, what cancelling will do, and a log as text.
// Pure, tested in format.test.ts; the colours of these meanings are in lib/palette.ts.
import type {
  DeviceTargetView,
  DeviceUpdateRow,
  DeviceUpdateStatus,
  LogRow,
  UpdateRow,
  UpdateStatus,
  UpdateTargetView,
} from '../lib/api';
import { localTime, utcTime, type LocalTimeOptions } from '../lib/time';

/** The update statuses in the order the filter lists them. */
export const UPDATE_STATUSES: readonly UpdateStatus[] = ['scheduled', 'running', 'succeeded', 'failed', 'cancelled'];

/** The device update statuses in the order the filter lists them (the order they happen in). */
export const DEVICE_UPDATE_STATUSES: readonly DeviceUpdateStatus[] = [
  'scheduled',
  'configuring',
  'configured',
  'deploying',
  'succeeded',
  'error',
  'cancelling',
  'cancelled',
];

/** Counts and lists read busiest first: what is happening, then what needs a look, then what is done. */
const ORDER: readonly DeviceUpdateStatus[] = [
  'deploying',
  'configuring',
  'cancelling',
  'error',
  'scheduled',
  'configured',
  'succeeded',
  'cancelled',
];

export type Counts = UpdateRow['counts'];

/** "12,345". */
export function num(n: number): string {
  return n.toLocaleString('en-GB');
}

/** "1 device", "12,345 devices". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

// ---- versions ----

/** "2.4.0, 2.4.1 → 2.5.0"; just "2.5.0" when the versions before are not known. */
export function fromTo(t: UpdateTargetView): string {
  return t.from.length ? `${t.from.join(', ')} → ${t.version}` : t.version;
}

/** "acme-erp 2.4.0, 2.4.1 → 2.5.0". */
export function versionsLine(t: UpdateTargetView): string {
  return `${t.product} ${fromTo(t)}`;
}

/** Every target of an update, one a line (for tooltips). */
export function targetsText(targets: readonly UpdateTargetView[]): string {
  return targets.map(versionsLine).join('\n');
}

/** A device's targets with the versions it had: "acme-erp 2.4.0 → 2.5.0 (running 2.3.0)", one a line. */
export function deviceTargetsText(targets: readonly DeviceTargetView[]): string {
  return targets
    .map((t) => {
      const running =
        t.previous_deployed && t.previous_deployed !== t.previous_configured ? ` (running ${t.previous_deployed})` : '';
      return `${t.product} ${t.previous_configured ?? 'none'} → ${t.version}${running}`;
    })
    .join('\n');
}

// ---- counts and progress ----

/** The non-zero counts, busiest first. */
export function countsList(counts: Counts): { status: DeviceUpdateStatus; n: number }[] {
  return ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => ({ status: s, n: counts[s] ?? 0 }));
}

/** "3 deploying · 1 error · 16 succeeded": the non-zero counts, busiest first. */
export function countsLine(counts: Counts): string {
  return countsList(counts)
    .map(({ status, n }) => `${num(n)} ${status}`)
    .join(' · ');
}

/** A percentage for a bar: whole, within 0–100. */
export function percent(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.round(Math.min(100, Math.max(0, progress)));
}

// ---- deploy options ----

/** What each deploy option is called on a device update's row. */
export const OPTION_WORDS: Record<string, string> = {
  config_only: 'Configuration only',
  now: 'Deploy now',
  at: 'Deploy at',
};

/**
 * "Deploy now", "Configuration only", "Deploy at Sat 28 Nov, 22:00 CET"; an unknown option as the core names it.
 * With `ref` (the update's start), the time leaves out what `ref` says: "Deploy at 22:00".
 */
export function optionWords(option: string, at: string | null, ref: string | null = null, opts: LocalTimeOptions = {}): string {
  if (option === 'at') return at ? `Deploy at ${ref ? brief(at, ref, opts) : localTime(at, opts)}` : 'Deploy at a time';
  return OPTION_WORDS[option] ?? option;
}

// ---- times ----

/** "Sat 28 Nov" and "22:00 CET" of a local time. */
function split(text: string): [string, string] | null {
  const at = text.indexOf(', ');
  return at < 0 ? null : [text.slice(0, at), text.slice(at + 2)];
}

/** "Sat 28 Nov, 22:00 – 23:30 CET" on one day, "Sat 28 Nov, 22:00 CET – Sun 29 Nov, 02:00 CET" across days. */
export function span(from: string, to: string, opts: LocalTimeOptions = {}): string {
  const a = localTime(from, opts);
  const b = localTime(to, opts);
  const pa = split(a);
  const pb = split(b);
  if (!pa || !pb) return `${a} – ${b}`;
  const [timeA, zoneA] = pa[1].split(' ');
  const zoneB = pb[1].split(' ')[1];
  if (pa[0] !== pb[0]) return zoneA === zoneB ? `${pa[0]}, ${timeA} – ${b}` : `${a} – ${b}`;
  return zoneA === zoneB ? `${pa[0]}, ${timeA} – ${pb[1]}` : `${pa[0]}, ${pa[1]} – ${pb[1]}`;
}

/** The UTC times of a span, for its tooltip. */
export function spanUtc(from: string, to: string): string {
  return `${utcTime(from)} – ${utcTime(to)}`;
}

/**
 * A time under a span it belongs to, without what the span already says: "22:03" on the span's first day and
 * zone, "Sun 29 Nov, 02:00" on another day, the whole time in another zone.
 */
export function brief(iso: string, ref: string, opts: LocalTimeOptions = {}): string {
  const t = split(localTime(iso, opts));
  const r = split(localTime(ref, opts));
  if (!t || !r) return localTime(iso, opts);
  const [time, zone] = t[1].split(' ');
  if (zone !== r[1].split(' ')[1]) return localTime(iso, opts);
  return t[0] === r[0] ? time : `${t[0]}, ${time}`;
}

/** How an update's actual start and end read under its planned window (in its zone); the actual end replaces the estimate. */
export function startEnd(
  u: Pick<UpdateRow, 'window_from' | 'window_to' | 'actual_start' | 'actual_end'>,
  opts: LocalTimeOptions = {},
): { start: string; end: string; actualEnd: boolean; title: string } {
  const start = u.actual_start ? `started ${brief(u.actual_start, u.window_from, opts)}` : 'not started';
  const end = u.actual_end
    ? `actual end ${brief(u.actual_end, u.window_from, opts)}`
    : `end ${brief(u.window_to, u.window_from, opts)} (estimated)`;
  const title = [
    `Planned: ${span(u.window_from, u.window_to, opts)}`,
    `(${spanUtc(u.window_from, u.window_to)})`,
    u.actual_start ? `Started: ${localTime(u.actual_start, opts)} (${utcTime(u.actual_start)})` : 'Not started yet',
    u.actual_end
      ? `Actual end: ${localTime(u.actual_end, opts)} (${utcTime(u.actual_end)})`
      : `Estimated end: ${localTime(u.window_to, opts)} (${utcTime(u.window_to)})`,
  ].join('\n');
  return { start, end, actualEnd: !!u.actual_end, title };
}

/**
 * A device update's actual start and end: "21:03 – 21:13", "since 21:03" while it runs, "—" before it starts;
 * each time leaving out what `ref` (the update's start) says, as `brief` does.
 */
export function actualSpan(start: string | null, end: string | null, ref: string, opts: LocalTimeOptions = {}): string {
  if (start && end) return `${brief(start, ref, opts)} – ${brief(end, start, opts)}`;
  if (start) return `since ${brief(start, ref, opts)}`;
  if (end) return `ended ${brief(end, ref, opts)}`;
  return '—';
}

/** The zone a time is shown in: "CET" (for a header over times that leave it out). */
export function zoneOf(iso: string, opts: LocalTimeOptions = {}): string {
  const t = split(localTime(iso, opts));
  return t ? (t[1].split(' ')[1] ?? '') : '';
}

/** A device update's actual times in full, local and UTC, for the tooltip. */
export function actualTitle(start: string | null, end: string | null, opts: LocalTimeOptions = {}): string {
  if (!start && !end) return 'Not started';
  return [
    start ? `Started ${localTime(start, opts)} (${utcTime(start)})` : 'Not started',
    end ? `Ended ${localTime(end, opts)} (${utcTime(end)})` : 'Not ended yet',
  ].join('\n');
}

/** "14:03:22": when the list was read, local time of day. */
export function clock(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(d);
}

// ---- filters and pages ----

export interface StatusFilters {
  status: UpdateStatus | '';
  product: string;
  text: string;
}

export const NO_FILTERS: StatusFilters = { status: '', product: '', text: '' };

export function isFiltered(f: StatusFilters): boolean {
  return f.status !== '' || f.product.trim() !== '' || f.text.trim() !== '';
}

/** The query of `list_updates` for these filters and the page at `offset`. */
export function toQuery(f: StatusFilters, offset: number) {
  return {
    status: f.status || null,
    product: f.product.trim() || null,
    text: f.text.trim() || null,
    offset: Math.max(0, offset),
  };
}

/** "51–100 of 12,345"; "0 of 0" for none. */
export function pageRange(offset: number, shown: number, total: number): string {
  if (shown <= 0) return `0 of ${num(total)}`;
  return `${num(offset + 1)}–${num(offset + shown)} of ${num(total)}`;
}

/** Where a page must start so it still shows rows after the list shrank to `total`. */
export function clampOffset(offset: number, total: number, pageLen: number): number {
  if (total <= 0 || pageLen <= 0) return 0;
  if (offset < total) return Math.max(0, offset);
  return Math.floor((total - 1) / pageLen) * pageLen;
}

// ---- cancelling ----

/** The device updates of an update that cancelling would touch: the scheduled ones and those in error. */
export function cancellable(counts: Counts): number {
  return (counts.scheduled ?? 0) + (counts.error ?? 0);
}

/** Whether a device update in `status` can be cancelled. */
export function canCancelDevice(status: DeviceUpdateStatus): boolean {
  return status === 'scheduled' || status === 'error';
}

/** "acme-erp 2.4.0, edge-gateway none": each target's version before, configured or deployed. */
export function previousVersions(targets: readonly DeviceTargetView[], which: 'configured' | 'deployed'): string {
  const list = targets.map((t) => `${t.product} ${(which === 'configured' ? t.previous_configured : t.previous_deployed) ?? 'none'}`);
  return list.length ? list.join(', ') : 'as before';
}

/** What cancelling one device update will do, in a sentence. */
export function cancelDeviceText(row: Pick<DeviceUpdateRow, 'device' | 'status' | 'targets'>): string {
  switch (row.status) {
    case 'scheduled':
      return (
        `Cancelling ${row.device} revokes the configuration change: the device is configured back to its previous ` +
        `version (${previousVersions(row.targets, 'configured')}).`
      );
    case 'error':
      return (
        `Cancelling ${row.device} aborts the deployment on the agent and rolls the device back to its previous ` +
        `deployed version (${previousVersions(row.targets, 'deployed')}), then restores its configuration.`
      );
    default:
      return `${row.device} is ${row.status}: only scheduled device updates and those in error can be cancelled.`;
  }
}

/** The versions the devices ran before, for the sentence about a whole update: " (acme-erp 2.4.0, 2.4.1)". */
function fromHint(targets: readonly UpdateTargetView[]): string {
  const known = targets.filter((t) => t.from.length).map((t) => `${t.product} ${t.from.join(', ')}`);
  return known.length ? ` (${known.join('; ')})` : '';
}

/** What cancelling a whole update will do, a sentence a line: how many of each kind, and what stays. */
export function cancelUpdateText(counts: Counts, targets: readonly UpdateTargetView[] = []): string[] {
  const scheduled = counts.scheduled ?? 0;
  const error = counts.error ?? 0;
  if (scheduled + error === 0) {
    return ['Nothing to cancel: no device update of this update is scheduled or in error.'];
  }
  const lines: string[] = [];
  if (scheduled > 0) {
    const their = scheduled === 1 ? 'its' : 'their';
    lines.push(
      `${plural(scheduled, 'scheduled device update')} will have ${their} configuration change revoked: ` +
        `each device is configured back to its previous version${fromHint(targets)}.`,
    );
  }
  if (error > 0) {
    const their = error === 1 ? 'its' : 'their';
    lines.push(
      `${plural(error, 'device update')} in error will be aborted on the agent and rolled back to ` +
        `${their} previous deployed version, then have ${their} configuration restored.`,
    );
  }
  const others = ORDER.filter((s) => s !== 'scheduled' && s !== 'error' && (counts[s] ?? 0) > 0).map(
    (s) => `${num(counts[s] ?? 0)} ${s}`,
  );
  lines.push(
    `Running, configured and finished device updates are not touched${others.length ? ` (${others.join(', ')})` : ''}.`,
  );
  return lines;
}

/** "Cancelling 3 device updates." after `cancel_update` answered. */
export function cancelledSentence(title: string, n: number): string {
  return n === 0
    ? `Nothing of ${title} was left to cancel.`
    : `${title}: ${plural(n, 'device update')} started cancelling.`;
}

// ---- the log ----

export const LEVEL_WORDS: Record<LogRow['level'], string> = { info: 'info', warn: 'warning', error: 'error' };
export const SOURCE_WORDS: Record<LogRow['source'], string> = { agent: 'agent', rollwright: 'Rollwright' };

/** One entry as text: "2026-11-28 21:00:05 UTC  ERROR  agent  deploy_failed  message", then its detail indented. */
export function entryToText(e: LogRow): string {
  const head = `${utcTime(e.at)}  ${e.level.toUpperCase()}  ${SOURCE_WORDS[e.source] ?? e.source}  ${e.code}  ${e.message}`;
  const detail = (e.detail ?? '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .map((l) => `    ${l}`);
  return [head, ...detail].join('\n');
}

/** A whole log as text, for the clipboard: what it is the log of, then every entry. */
export function logToText(device: string, rows: readonly LogRow[]): string {
  const head = `Log of the device update of ${device}: ${plural(rows.length, 'entry', 'entries')}`;
  return [head, '', ...rows.map(entryToText)].join('\n') + '\n';
}
