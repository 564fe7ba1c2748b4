// Step Devices: the devices the chosen targets apply to, filtered by label,
// site and free text, and the selection (one, many, all shown, none). The
// filter keys are built once per list, so filtering 10,000 devices is a pass
// of `includes` over strings. Pure, tested in devices.test.ts.
import type { PlanDeviceView, PlanTargetView } from './types';

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * What filtering needs of a list. Positions and sites are read when the list
 * arrives (they are cheap and needed at once); the filter keys and the label
 * values are built once, the first time they are asked for (a filter typed,
 * the label suggestions), so the list shows without waiting for them.
 */
export class DeviceIndex {
  /** Position of each device id in the list. */
  readonly position: Map<number, number>;
  /** The sites, sorted; devices without one are counted in `noSite`. */
  readonly sites: string[];
  readonly noSite: number;
  #devices: readonly PlanDeviceView[];
  #text: string[] | null = null;
  #labels: string[] | null = null;
  #labelValues: string[] | null = null;

  constructor(devices: readonly PlanDeviceView[]) {
    this.#devices = devices;
    const position = new Map<number, number>();
    const sites = new Set<string>();
    let noSite = 0;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i];
      position.set(d.id, i);
      if (d.site === null) noSite++;
      else sites.add(d.site);
    }
    this.position = position;
    this.sites = [...sites].sort(byName);
    this.noSite = noSite;
  }

  /** Per device: name, site, labels and versions, lower case, for the free text. */
  get text(): string[] {
    if (!this.#text) this.#build();
    return this.#text as string[];
  }

  /** Per device: "\nkey=value\n…", lower case, for the label filter. */
  get labels(): string[] {
    if (!this.#labels) this.#build();
    return this.#labels as string[];
  }

  /** Every `key=value` the devices have, sorted. */
  get labelValues(): string[] {
    if (!this.#labelValues) {
      const values = new Set<string>();
      for (const d of this.#devices) for (const key in d.labels) values.add(`${key}=${d.labels[key]}`);
      this.#labelValues = [...values].sort(byName);
    }
    return this.#labelValues;
  }

  #build() {
    const devices = this.#devices;
    const text: string[] = new Array(devices.length);
    const labels: string[] = new Array(devices.length);
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i];
      let l = '\n';
      for (const key in d.labels) l += `${key}=${d.labels[key]}\n`;
      let t = `${d.name}\n${d.site ?? ''}${l}`;
      for (const target of d.targets) t += `${target.product} ${target.configured ?? ''} ${target.deployed ?? ''}\n`;
      labels[i] = l.toLowerCase();
      text[i] = t.toLowerCase();
    }
    this.#text = text;
    this.#labels = labels;
  }
}

export function indexDevices(devices: readonly PlanDeviceView[]): DeviceIndex {
  return new DeviceIndex(devices);
}

/** The site filter's value for devices without a site. */
export const NO_SITE = '\u0000none';

export interface DeviceFilter {
  /** Words that must all appear in the name, site, labels or versions. */
  text: string;
  /** A site, NO_SITE, or '' for any. */
  site: string;
  /** `key=value`, or `key` for any value; '' for any. */
  label: string;
}

export const NO_FILTER: DeviceFilter = { text: '', site: '', label: '' };

export function isFiltered(f: DeviceFilter): boolean {
  return f.text.trim() !== '' || f.site !== '' || f.label.trim() !== '';
}

/** The positions of the devices the filter shows, in list order. */
export function filterDevices(devices: readonly PlanDeviceView[], index: DeviceIndex, f: DeviceFilter): number[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const label = f.label.trim().toLowerCase();
  const labelNeedle = label === '' ? '' : label.includes('=') ? `\n${label}\n` : `\n${label}=`;
  const out: number[] = [];
  const labels = labelNeedle ? index.labels : null;
  const text = words.length ? index.text : null;
  for (let i = 0; i < devices.length; i++) {
    if (f.site !== '') {
      const site = devices[i].site;
      if (f.site === NO_SITE ? site !== null : site !== f.site) continue;
    }
    if (labels && !labels[i].includes(labelNeedle)) continue;
    if (text) {
      const t = text[i];
      let all = true;
      for (const w of words) {
        if (!t.includes(w)) {
          all = false;
          break;
        }
      }
      if (!all) continue;
    }
    out.push(i);
  }
  return out;
}

// ---- selection: sets of device ids, replaced (never changed) so the screen sees each change ----

export function toggle(selected: ReadonlySet<number>, id: number, on = !selected.has(id)): Set<number> {
  const next = new Set(selected);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** Adds every shown device to the selection. */
export function selectShown(selected: ReadonlySet<number>, devices: readonly PlanDeviceView[], shown: readonly number[]): Set<number> {
  const next = new Set(selected);
  for (const i of shown) next.add(devices[i].id);
  return next;
}

/** Takes every shown device out of the selection (with no filter: all of them). */
export function unselectShown(selected: ReadonlySet<number>, devices: readonly PlanDeviceView[], shown: readonly number[]): Set<number> {
  if (shown.length === devices.length) return new Set();
  const next = new Set(selected);
  for (const i of shown) next.delete(devices[i].id);
  return next;
}

/** The selection without devices no longer listed (after a reload or other products). */
export function keepListed(selected: ReadonlySet<number>, index: Pick<DeviceIndex, 'position'>): Set<number> {
  const next = new Set<number>();
  for (const id of selected) if (index.position.has(id)) next.add(id);
  return next;
}

/** The selected devices' ids in list order (the order the plan sends them in). */
export function selectedInOrder(devices: readonly PlanDeviceView[], selected: ReadonlySet<number>): number[] {
  if (selected.size === 0) return [];
  const out: number[] = [];
  for (const d of devices) if (selected.has(d.id)) out.push(d.id);
  return out;
}

/** How many shown devices are selected. */
export function shownSelected(devices: readonly PlanDeviceView[], shown: readonly number[], selected: ReadonlySet<number>): number {
  let k = 0;
  for (const i of shown) if (selected.has(devices[i].id)) k++;
  return k;
}

const n = (x: number) => x.toLocaleString('en-GB');

/** "3 of 12 devices selected", with "(2 not shown)" when the filter hides some of them. */
export function selectionWords(selected: number, total: number, selectedShown: number): string {
  const hidden = selected - selectedShown;
  return `${n(selected)} of ${n(total)} ${total === 1 ? 'device' : 'devices'} selected${hidden > 0 ? ` (${n(hidden)} not shown)` : ''}`;
}

/** "Choose at least one device." when none is; null otherwise. */
export function devicesBlocked(selected: number, loaded: boolean): string | null {
  if (!loaded) return 'The devices are still being read.';
  return selected === 0 ? 'Select at least one device to update.' : null;
}

/** How one target reads in a row, with which of the two versions are older than the target. */
export function versionCell(t: PlanTargetView): { configured: string; deployed: string; tooltip: string } {
  const c = t.configured ?? '—';
  const d = t.deployed ?? '—';
  const older = (v: string | null, isOlder: boolean) => (v === null ? 'none' : `${v}${isOlder ? ` (older than ${t.version})` : ''}`);
  return {
    configured: c,
    deployed: d,
    tooltip: `${t.product} → ${t.version}\nconfigured ${older(t.configured, t.configured_older)}\ndeployed ${older(t.deployed, t.deployed_older)}`,
  };
}

/** The devices per site of a selection, most first ("(no site)" last). */
export function perSite(devices: readonly PlanDeviceView[], selected: ReadonlySet<number>): { site: string | null; devices: number }[] {
  const counts = new Map<string | null, number>();
  for (const d of devices) if (selected.has(d.id)) counts.set(d.site, (counts.get(d.site) ?? 0) + 1);
  return [...counts]
    .map(([site, k]) => ({ site, devices: k }))
    .sort((a, b) => (a.site === null ? 1 : b.site === null ? -1 : b.devices - a.devices || byName(a.site, b.site)));
}
