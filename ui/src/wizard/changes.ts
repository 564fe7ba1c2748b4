// Step Finalize: the module operations each device would go through, as the
// core's check computed them. Devices with the same operations form one group
// ("1,000 devices: …") that expands to their names. Pure, tested in
// changes.test.ts.
import type { ChangeSetsView, ModuleOpView, ProductChangesView } from './types';

export interface ChangeGroup {
  /** The set's index in `sets`. */
  set: number;
  products: ProductChangesView[];
  /** The devices with these changes, by name. */
  names: string[];
  ids: number[];
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const n = (x: number) => x.toLocaleString('en-GB');

/** One group per set that a device has, most devices first; names sorted. Unknown ids show as "device <id>". */
export function groupChanges(changes: ChangeSetsView, nameOf: (id: number) => string | undefined): ChangeGroup[] {
  const bySet = new Map<number, number[]>();
  for (const [id, set] of changes.devices) {
    let ids = bySet.get(set);
    if (!ids) bySet.set(set, (ids = []));
    ids.push(id);
  }
  const groups: ChangeGroup[] = [];
  for (const [set, ids] of bySet) {
    const pairs = ids.map((id) => ({ id, name: nameOf(id) ?? `device ${id}` })).sort((a, b) => byName(a.name, b.name));
    groups.push({ set, products: changes.sets[set] ?? [], names: pairs.map((p) => p.name), ids: pairs.map((p) => p.id) });
  }
  return groups.sort((a, b) => b.ids.length - a.ids.length || a.set - b.set);
}

export type OpKind = 'added' | 'removed' | 'modified' | 'other';

export interface OpWording {
  word: string;
  kind: OpKind;
  /** "new at 1.3.0", "was 1.2.0", "1.2.0 → 1.3.0". */
  versions: string;
}

/** How one module operation reads: a word, its palette class, and its versions. */
export function opWording(op: ModuleOpView): OpWording {
  switch (op.op) {
    case 'added':
      return { word: 'Added', kind: 'added', versions: `new at ${op.to ?? '?'}` };
    case 'removed':
      return { word: 'Removed', kind: 'removed', versions: `was ${op.from ?? '?'}` };
    case 'modified':
      return { word: 'Modified', kind: 'modified', versions: `${op.from ?? '?'} → ${op.to ?? '?'}` };
    default: {
      const word = op.op ? op.op[0].toUpperCase() + op.op.slice(1) : 'Changed';
      return { word, kind: 'other', versions: `${op.from ?? '—'} → ${op.to ?? '—'}` };
    }
  }
}

/** "acme-erp 2.3.0 → 2.4.0"; "acme-erp (not running) → 2.4.0" when nothing is deployed. */
export function productLine(p: Pick<ProductChangesView, 'product' | 'from' | 'to'>): string {
  return `${p.product} ${p.from ?? '(not running)'} → ${p.to}`;
}

/** "2 modified, 1 added"; "no module changes". */
export function opsSummary(ops: readonly ModuleOpView[]): string {
  if (ops.length === 0) return 'no module changes';
  const counts = new Map<string, number>();
  for (const o of ops) counts.set(o.op, (counts.get(o.op) ?? 0) + 1);
  const order = ['modified', 'added', 'removed'];
  const keys = [...counts.keys()].sort((a, b) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9));
  return keys.map((k) => `${n(counts.get(k) ?? 0)} ${k}`).join(', ');
}

/** "1,000 devices: acme-erp 2.3.0 → 2.4.0 (2 modified, 1 added); edge-gateway 1.1.0 → 1.2.0 (1 modified)". */
export function groupTitle(g: Pick<ChangeGroup, 'products' | 'ids'>): string {
  const k = g.ids.length;
  const what = g.products.map((p) => `${productLine(p)} (${opsSummary(p.ops)})`).join('; ');
  return `${n(k)} ${k === 1 ? 'device' : 'devices'}: ${what || 'no changes'}`;
}
