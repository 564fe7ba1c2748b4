// Times between the core (RFC 3339 UTC instants), the calendar library (which
// shows floating wall-clock times as they are, in the workstation's zone) and
// the dialog (datetime-local wall-clock times in a chosen IANA zone). Pure,
// tested in times.test.ts.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The instant's wall-clock time in the workstation's zone, without an offset:
 * "2026-11-28T22:00:00". The calendar shows such a time as it is, so every
 * item sits at its local time on either side of a DST change. (The library
 * would read "…Z" as a floating time and a Date with the offset of today.)
 */
export function floatingLocal(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

function wallFormat(zone: string): Intl.DateTimeFormat {
  let f = wallFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallFormats.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA zone this engine knows ("Europe/Berlin", "UTC"). */
export function isKnownZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    wallFormat(zone);
    return true;
  } catch {
    return false;
  }
}

function wallParts(d: Date, zone: string): Record<string, number> {
  const p: Record<string, number> = {};
  for (const { type, value } of wallFormat(zone).formatToParts(d)) {
    if (type !== 'literal') p[type] = Number(value);
  }
  if (p.hour === 24) p.hour = 0;
  return p;
}

/** The instant as the wall clock in `zone` shows it, as datetime-local takes it: "2026-11-28T22:00". */
export function wallClock(instant: string | Date, zone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) return '';
  const p = wallParts(d, zone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** Parses "YYYY-MM-DDTHH:MM" (or a bare date, at midnight) into its numbers; null when it is not one. */
export function parseWall(wall: string): { y: number; m: number; d: number; h: number; min: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(wall.trim());
  if (!m) return null;
  return { y: +m[1], m: +m[2], d: +m[3], h: m[4] ? +m[4] : 0, min: m[5] ? +m[5] : 0 };
}

/**
 * The instant a wall-clock time in `zone` stands for; null when the text is
 * no time or the zone is unknown. A time skipped by a DST change moves forward
 * by the gap; a repeated one is its first occurrence. Only to show the
 * admin's local equivalent: the core does the conversion that counts.
 */
export function instantOf(wall: string, zone: string): Date | null {
  const w = parseWall(wall);
  if (!w || !isKnownZone(zone)) return null;
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min);
  const wanted = wallClock(new Date(asUtc), 'UTC');
  const offsetAt = (t: number) => {
    const p = wallParts(new Date(t), zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
  };
  // The offsets a day before and after: a zone changes its offset at most once in between.
  const before = offsetAt(asUtc - 86_400_000);
  const after = offsetAt(asUtc + 86_400_000);
  const valid = [asUtc - before, asUtc - after].filter((t) => wallClock(new Date(t), zone) === wanted);
  // In a gap no instant has this wall time: the offset before the change moves it forward by the gap.
  return new Date(valid.length ? Math.min(...valid) : asUtc - before);
}

const DAY_WORDS = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const dayWordsSaid = new Map<string, string>();

/** "Sat 5 Dec 2026" for a local day "2026-12-05" (remembered: the summaries of a month word each day dozens of times). */
export function dayWords(day: string): string {
  let words = dayWordsSaid.get(day);
  if (words === undefined) {
    const [y, m, d] = day.split('-').map(Number);
    words = DAY_WORDS.format(new Date(y, m - 1, d));
    if (dayWordsSaid.size > 1000) dayWordsSaid.clear();
    dayWordsSaid.set(day, words);
  }
  return words;
}

/** The workstation's IANA zone ("Europe/Berlin"); UTC when the engine does not say. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The next full hour after `now`, in the workstation's zone: 13:00 at 12:00, 12:01 and 12:59. */
export function nextFullHour(now: Date): Date {
  const d = new Date(now.getTime());
  d.setMinutes(0, 0, 0);
  d.setHours(d.getHours() + 1);
  return d;
}

/** Zones the dialog offers (any IANA name may be typed): the workstation's first. */
export const COMMON_ZONES: readonly string[] = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Amsterdam',
  'Europe/Brussels',
  'Europe/Zurich',
  'Europe/Vienna',
  'Europe/Rome',
  'Europe/Madrid',
  'Europe/Stockholm',
  'Europe/Warsaw',
  'Europe/Prague',
  'Europe/Helsinki',
  'Europe/Athens',
  'Europe/Istanbul',
  'Europe/Moscow',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Toronto',
  'America/Mexico_City',
  'America/Sao_Paulo',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Australia/Sydney',
  'Pacific/Auckland',
];

/** The zones for the datalist: the workstation's zone, then the common ones, each once. */
export function zoneChoices(own: string): string[] {
  return [...new Set([own, ...COMMON_ZONES])];
}

/** "2 h 30 min", "45 min", "3 d 4 h", "0 min". */
export function durationWords(ms: number): string {
  const totalMin = Math.max(0, Math.round(ms / 60_000));
  const d = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const min = totalMin % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (min && d === 0) parts.push(`${min} min`);
  return parts.length ? parts.join(' ') : '0 min';
}
