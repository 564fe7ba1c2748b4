// Times as the admin reads them: local time with its zone, UTC in the tooltip.

export interface LocalTimeOptions {
  /** Show seconds (the audit log does). */
  seconds?: boolean;
  /** The zone to show; the workstation's by default (tests pass one). */
  timeZone?: string;
  /** "Now", to leave out the year when it is the current one. */
  now?: Date;
}

/** One formatter per zone: making one costs far more than formatting (lists format a time per row). */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let fmt = formats.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    });
    formats.set(key, fmt);
  }
  return fmt;
}

/** "Sat 28 Nov, 22:00 CET"; with the year when it is not this year: "Fri 28 Nov 2025, 22:00 CET". */
export function localTime(iso: string, opts: LocalTimeOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const fmt = format(opts.timeZone);
  const part = (date: Date) => {
    const p: Record<string, string> = {};
    for (const { type, value } of fmt.formatToParts(date)) p[type] = value;
    return p;
  };
  const p = part(d);
  const thisYear = part(opts.now ?? new Date()).year;
  const year = p.year === thisYear ? '' : ` ${p.year}`;
  const secs = opts.seconds ? `:${p.second}` : '';
  return `${p.weekday} ${p.day} ${p.month}${year}, ${p.hour}:${p.minute}${secs} ${p.timeZoneName}`;
}

/** "2026-11-28 21:00:05 UTC": for tooltips. */
export function utcTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
