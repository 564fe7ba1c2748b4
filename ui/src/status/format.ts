// How the status list words and orders what the backend sends.
import type { DeviceUpdateStatus, UpdateRow } from '../lib/api';

const ORDER: DeviceUpdateStatus[] = [
  'deploying',
  'configuring',
  'cancelling',
  'error',
  'scheduled',
  'configured',
  'succeeded',
  'cancelled',
];

/** "3 deploying · 1 error · 16 succeeded": the non-zero counts, busiest first. */
export function countsLine(counts: UpdateRow['counts']): string {
  return ORDER.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(' · ');
}

/** A time as the admin reads it: local date and time to the minute. */
export function when(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
