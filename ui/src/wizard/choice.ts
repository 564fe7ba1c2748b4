// Step Products: which products an update takes and to which version. Only
// the versions the core offers (higher than some device has) can be chosen;
// a product without any cannot be chosen at all. Pure, tested in
// choice.test.ts.
import type { ProductChoicesView, RunningCount, TargetInput } from './types';

/** What the admin chose for one product. */
export interface ProductPick {
  include: boolean;
  /** One of the product's offered versions; '' when it offers none. */
  version: string;
}

export type Picks = Record<string, ProductPick>;

const n = (x: number) => x.toLocaleString('en-GB');

/** Whether a product can be chosen: some device is below one of its versions. */
export function choosable(choice: ProductChoicesView): boolean {
  return choice.versions.length > 0;
}

/**
 * The picks for `choices`: what was chosen before stays when its version is
 * still offered; otherwise the newest offered version, not included.
 */
export function picksFor(choices: readonly ProductChoicesView[], before: Picks = {}): Picks {
  const out: Picks = {};
  for (const c of choices) {
    const old = before[c.product];
    const offered = c.versions.some((v) => v.version === old?.version);
    if (old && offered) out[c.product] = { include: old.include, version: old.version };
    else out[c.product] = { include: false, version: c.versions[0]?.version ?? '' };
  }
  return out;
}

/** Sets one product's pick; a version that is not offered is ignored, and choosing a version includes the product. */
export function pick(choices: readonly ProductChoicesView[], picks: Picks, product: string, change: Partial<ProductPick>): Picks {
  const c = choices.find((x) => x.product === product);
  if (!c || !choosable(c)) return picks;
  const old = picks[product] ?? { include: false, version: c.versions[0].version };
  let version = old.version;
  let include = change.include ?? old.include;
  if (change.version !== undefined && c.versions.some((v) => v.version === change.version)) {
    version = change.version;
    if (change.include === undefined && change.version !== old.version) include = true;
  }
  return { ...picks, [product]: { include, version } };
}

/** The targets chosen, in catalog order: included products at an offered version. */
export function targetsOf(choices: readonly ProductChoicesView[], picks: Picks): TargetInput[] {
  const out: TargetInput[] = [];
  for (const c of choices) {
    const p = picks[c.product];
    if (!p?.include || !choosable(c)) continue;
    if (!c.versions.some((v) => v.version === p.version)) continue;
    out.push({ product: c.product, version: p.version });
  }
  return out;
}

/** A short key of the targets, to tell whether the devices read for them still apply. */
export function targetsKey(targets: readonly TargetInput[]): string {
  return targets.map((t) => `${t.product}@${t.version}`).join(',');
}

/** Why Next is disabled on step Products, or null when it is not. */
export function productsBlocked(choices: readonly ProductChoicesView[] | undefined, picks: Picks): string | null {
  if (!choices) return 'The products are still being read.';
  if (choices.length === 0) return 'The catalog has no products: import a manifest in Landscape → Catalog first.';
  if (!choices.some(choosable)) return 'Every device is at the newest version of every product: there is nothing to update.';
  if (targetsOf(choices, picks).length === 0) return 'Choose at least one product to update.';
  return null;
}

/** "12 run 2.3.0 · 3 run 2.4.0 · 1 configured, not running it yet"; "no device has it" for none. */
export function runningWords(running: readonly RunningCount[]): string {
  if (running.length === 0) return 'no device has it';
  return running
    .map((r) => (r.version === null ? `${n(r.devices)} configured, not running it yet` : `${n(r.devices)} run ${r.version}`))
    .join(' · ');
}

/** "1 device could take it", "12 devices could take it". */
export function eligibleWords(eligible: number): string {
  return `${n(eligible)} ${eligible === 1 ? 'device' : 'devices'} could take it`;
}
