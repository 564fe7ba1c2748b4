// Step Devices' list arrives as columns (src-tauri/src/dto/plan_devices.rs:
// 10,000 devices as objects were 2.7 MB of JSON) and is turned back into one
// object per device here, the shape the wizard reads. Pure, tested in
// planColumns.test.ts.
import type { PlanDeviceColumns, Reachability } from './bindings';

/** `flags` bits, as plan_devices.rs sets them. */
const TAKES = 1;
const CONFIGURED_OLDER = 2;
const DEPLOYED_OLDER = 4;

/** One target on one device, with what the device has now. */
export interface PlanTargetView {
  product: string;
  version: string;
  configured: string | null;
  deployed: string | null;
  configured_older: boolean;
  deployed_older: boolean;
}

/** A device the chosen targets apply to, as step Devices lists it. */
export interface PlanDeviceView {
  id: number;
  name: string;
  /** Its `site` label. */
  site: string | null;
  labels: Record<string, string>;
  reach: Reachability;
  /** RFC 3339. */
  last_seen: string | null;
  /** The chosen targets it takes, in the order chosen. */
  targets: PlanTargetView[];
  /** An update it is part of that has not finished on it. */
  unfinished: number | null;
}

export function planDeviceRows(c: PlanDeviceColumns): PlanDeviceView[] {
  const version = (i: number) => (i < 0 ? null : c.versions[i]);
  const out: PlanDeviceView[] = new Array(c.ids.length);
  for (let i = 0; i < c.ids.length; i++) {
    const labels: Record<string, string> = {};
    const pairs = c.labels[i];
    for (let k = 0; k + 1 < pairs.length; k += 2) labels[pairs[k]] = pairs[k + 1];
    const targets: PlanTargetView[] = [];
    for (let t = 0; t < c.targets.length; t++) {
      const flags = c.flags[t][i];
      if (!(flags & TAKES)) continue;
      targets.push({
        product: c.targets[t].product,
        version: c.targets[t].version,
        configured: version(c.configured[t][i]),
        deployed: version(c.deployed[t][i]),
        configured_older: (flags & CONFIGURED_OLDER) !== 0,
        deployed_older: (flags & DEPLOYED_OLDER) !== 0,
      });
    }
    const seen = c.last_seen[i];
    out[i] = {
      id: c.ids[i],
      name: c.names[i],
      site: labels.site ?? null,
      labels,
      reach: c.reach_states[c.reach[i]],
      last_seen: seen === null ? null : new Date(seen).toISOString(),
      targets,
      unfinished: c.unfinished[i],
    };
  }
  return out;
}
