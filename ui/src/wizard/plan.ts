// Step Deployment: the window (local wall-clock times, as datetime-local
// inputs hold them), each device's deploy option, bulk changes, the
// PlanInput the core checks and approves, and the core's refusals mapped back
// to the input or the device row they name. Pure, tested in plan.test.ts.
import type { ApiError } from '../lib/api';
import { instantOf, parseWall, wallClock } from '../calendar/times';
import type { ConflictView, DeployChoice, PlanCheck, PlanInput, TargetInput } from './types';

/** The options in the order the selects list them. */
export const OPTIONS: readonly DeployChoice[] = ['config_only', 'now', 'at'];

export const OPTION_WORDS: Record<DeployChoice, string> = {
  config_only: 'Only update the configuration',
  now: 'Deploy now',
  at: 'Deploy at a time',
};

/** How a count of devices per option reads: "3 configuration only", "12 deploy now". */
export const OPTION_COUNT_WORDS: Record<DeployChoice, string> = {
  config_only: 'configuration only',
  now: 'deploy now',
  at: 'deploy at a time',
};

/** Longer words for tooltips and the confirmation. */
export const OPTION_DETAIL: Record<DeployChoice, string> = {
  config_only: 'The device is told the new version; someone else deploys it.',
  now: 'Deployed as soon as it is configured, right after Approve.',
  at: 'Deployed at the time given, inside the window.',
};

/** One device's deploy option; `at` is a local wall-clock time ("2026-11-28T22:00"), used for `at` only. */
export interface DeviceChoice {
  option: DeployChoice;
  at: string;
}

export const DEFAULT_CHOICE: DeviceChoice = { option: 'now', at: '' };

/** Options set by the admin, by device id; a device not in it deploys now. */
export type Choices = ReadonlyMap<number, DeviceChoice>;

export function choiceOf(choices: Choices, id: number): DeviceChoice {
  return choices.get(id) ?? DEFAULT_CHOICE;
}

/**
 * Sets `change` on the devices `ids`. Choosing `at` without a time takes the
 * device's time if it had one, else `defaultAt` (the window's start).
 */
export function setChoice(choices: Choices, ids: Iterable<number>, change: Partial<DeviceChoice>, defaultAt = ''): Map<number, DeviceChoice> {
  const next = new Map(choices);
  for (const id of ids) {
    const old = choiceOf(choices, id);
    const option = change.option ?? old.option;
    let at = change.at ?? old.at;
    if (option === 'at' && at === '') at = defaultAt;
    next.set(id, { option, at });
  }
  return next;
}

/** The window as typed: local wall-clock times. */
export interface WindowForm {
  title: string;
  from: string;
  to: string;
}

/** A local wall-clock time as RFC 3339 (UTC); '' stays '' and anything unreadable goes as typed, for the core to refuse by field. */
export function toRfc3339(wall: string, zone: string): string {
  if (wall.trim() === '') return '';
  const at = instantOf(wall, zone);
  return at ? at.toISOString() : wall;
}

/** The instant a wall-clock time stands for, or null. */
export function instant(wall: string, zone: string): Date | null {
  return parseWall(wall) ? instantOf(wall, zone) : null;
}

/** The wall-clock time `minutes` after `wall`, in `zone`; '' when `wall` is no time. */
export function addMinutes(wall: string, minutes: number, zone: string): string {
  const at = instant(wall, zone);
  return at ? wallClock(new Date(at.getTime() + minutes * 60_000), zone) : '';
}

/** Minutes from `from` to `to`; null unless both are times. */
export function windowMinutes(from: string, to: string, zone: string): number | null {
  const a = instant(from, zone);
  const b = instant(to, zone);
  return a && b ? Math.round((b.getTime() - a.getTime()) / 60_000) : null;
}

/** The default start: now, rounded up to the next five minutes, as wall-clock time. */
export function defaultFrom(now: Date, zone: string): string {
  const step = 5 * 60_000;
  return wallClock(new Date(Math.ceil((now.getTime() + 1) / step) * step), zone);
}

/** The instant rounded up to a whole minute. */
export function ceilMinute(d: Date): Date {
  return new Date(Math.ceil(d.getTime() / 60_000) * 60_000);
}

/** What the core is sent: the devices in the order given, `at` only for `at`. */
export function buildPlan(
  targets: readonly TargetInput[],
  form: WindowForm,
  ids: readonly number[],
  choices: Choices,
  zone: string,
): PlanInput {
  return {
    targets: targets.map((t) => ({ product: t.product, version: t.version })),
    title: form.title.trim(),
    from: toRfc3339(form.from, zone),
    to: toRfc3339(form.to, zone),
    devices: ids.map((id) => {
      const c = choiceOf(choices, id);
      return { id, option: c.option, at: c.option === 'at' ? toRfc3339(c.at, zone) : null };
    }),
  };
}

/**
 * The window moved to a suggested slot, keeping its length: `from` goes to
 * the slot's start (rounded up to a whole minute, as the inputs show whole
 * minutes), `to` keeps its distance, and every `at` time moves along.
 */
export function moveWindow(
  form: WindowForm,
  choices: Choices,
  slotFrom: string,
  zone: string,
): { form: WindowForm; choices: Map<number, DeviceChoice> } {
  const start = ceilMinute(new Date(slotFrom));
  const oldFrom = instant(form.from, zone);
  const length = windowMinutes(form.from, form.to, zone);
  const from = wallClock(start, zone);
  const to = length !== null && length > 0 ? addMinutes(from, length, zone) : form.to;
  const delta = oldFrom ? start.getTime() - oldFrom.getTime() : 0;
  const moved = new Map<number, DeviceChoice>();
  for (const [id, c] of choices) {
    const at = c.at ? instant(c.at, zone) : null;
    moved.set(id, at && delta ? { ...c, at: wallClock(new Date(at.getTime() + delta), zone) } : c);
  }
  return { form: { ...form, from, to }, choices: moved };
}

// ---- the core's refusals, back where they belong ----

/** Where a refusal is shown: at an input of the window, the targets, the device list as a whole, or one device's row. */
export type ErrorPlace =
  | { at: 'title' | 'from' | 'to' | 'targets' | 'devices'; field: string }
  | { at: 'device'; field: string; device: number; index: number }
  | { at: 'other'; field: string | null };

/** `devices[3].at` → 3 and `at`; `devices[3]` → 3 and null; anything else null. */
export function deviceField(field: string): { index: number; sub: string | null } | null {
  const m = /^devices\[(\d+)\](?:\.(.+))?$/.exec(field);
  return m ? { index: Number(m[1]), sub: m[2] ?? null } : null;
}

/** Where the core's refusal of `plan` is shown. */
export function placeError(field: string | null, plan: Pick<PlanInput, 'devices'>): ErrorPlace {
  if (field === null) return { at: 'other', field };
  if (field === 'title' || field === 'from' || field === 'to' || field === 'devices') return { at: field, field };
  if (field === 'targets' || field.startsWith('targets[')) return { at: 'targets', field };
  const d = deviceField(field);
  if (d && d.index < plan.devices.length) return { at: 'device', field, device: plan.devices[d.index].id, index: d.index };
  return { at: 'other', field };
}

/** What the check says, for the screen and the tests (`data-plan-state`). */
export type PlanState = 'checking' | 'refused' | 'conflicts' | 'clear';

export function planState(checking: boolean, error: ApiError | null, check: PlanCheck | null): PlanState {
  if (checking) return 'checking';
  if (error) return 'refused';
  if (!check) return 'checking';
  return check.conflicts.length ? 'conflicts' : 'clear';
}

/** Why Next is disabled on step Deployment, or null. */
export function deploymentBlocked(state: PlanState, error: ApiError | null, where: string | null = null): string | null {
  if (state === 'checking') return 'The plan is being checked.';
  if (state === 'refused') {
    if (where) return `The plan is refused at ${where}: see the message there.`;
    return error?.field
      ? `The plan is refused at ${error.field}: see the message there.`
      : `The plan is refused: ${error?.message ?? 'see above'}.`;
  }
  return null;
}

/** Where a refusal is shown, in words: "Estimated to", "the row of gw-01". */
export function placeWords(place: ErrorPlace, nameOf: (id: number) => string | undefined): string | null {
  switch (place.at) {
    case 'title':
      return 'Title';
    case 'from':
      return 'From';
    case 'to':
      return 'Estimated to';
    case 'devices':
      return 'the device list';
    case 'targets':
      return 'the products';
    case 'device':
      return `the row of ${nameOf(place.device) ?? `device ${place.device}`}`;
    default:
      return null;
  }
}

/** The conflicts by device. */
export function conflictsByDevice(conflicts: readonly ConflictView[]): Map<number, ConflictView[]> {
  const out = new Map<number, ConflictView[]>();
  for (const c of conflicts) {
    let list = out.get(c.device);
    if (!list) out.set(c.device, (list = []));
    list.push(c);
  }
  return out;
}

/** The conflicts of a window in short: how many, on how many devices, and what with (each title once, most devices first). */
export function conflictSummary(conflicts: readonly ConflictView[]): { count: number; devices: number; with: { what: string; devices: number }[] } {
  const devices = new Set<number>();
  const byWhat = new Map<string, Set<number>>();
  for (const c of conflicts) {
    devices.add(c.device);
    const what = c.with === 'outside_windows' ? 'outside its maintenance windows' : `${c.with === 'update' ? 'update' : ''} “${c.title ?? '?'}”`.trim();
    let s = byWhat.get(what);
    if (!s) byWhat.set(what, (s = new Set()));
    s.add(c.device);
  }
  return {
    count: conflicts.length,
    devices: devices.size,
    with: [...byWhat].map(([what, s]) => ({ what, devices: s.size })).sort((a, b) => b.devices - a.devices || a.what.localeCompare(b.what)),
  };
}

/** Counts per option of the devices `ids`. */
export function optionCounts(ids: readonly number[], choices: Choices): Record<DeployChoice, number> {
  const out: Record<DeployChoice, number> = { config_only: 0, now: 0, at: 0 };
  for (const id of ids) out[choiceOf(choices, id).option]++;
  return out;
}

/** The zone's short name at an instant ("CET", "CEST", "GMT+2"); the workstation's when `zone` is not given. */
export function zoneAbbreviation(at: Date, zone?: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' }).formatToParts(at);
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** "2 h 30 min"; "0 min" for none. */
export function minutesWords(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  return parts.length ? parts.join(' ') : '0 min';
}
