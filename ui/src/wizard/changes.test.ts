import { describe, expect, it } from 'vitest';
import { groupChanges, groupTitle, opWording, opsSummary, productLine } from './changes';
import type { ChangeSetsView, ProductChangesView } from './types';

const erp: ProductChangesView = {
  product: 'acme-erp',
  from: '2.3.0',
  to: '2.4.0',
  ops: [
    { op: 'modified', module: 'erp-core', from: '2.3.0', to: '2.4.0' },
    { op: 'added', module: 'erp-reports', from: null, to: '1.0.0' },
    { op: 'modified', module: 'erp-ui', from: '2.3.0', to: '2.4.0' },
  ],
};
const gw: ProductChangesView = { product: 'edge-gateway', from: '1.1.0', to: '1.2.0', ops: [{ op: 'removed', module: 'legacy', from: '0.9.0', to: null }] };

describe('groupChanges', () => {
  it('gives each set one group with its devices, most devices first', () => {
    const changes: ChangeSetsView = {
      sets: [[erp, gw], [erp]],
      devices: [
        [3, 0],
        [1, 1],
        [2, 1],
        [10, 1],
      ],
    };
    const names: Record<number, string> = { 1: 'erp-b', 2: 'erp-a', 3: 'gw-1', 10: 'erp-a10' };
    const groups = groupChanges(changes, (id) => names[id]);
    expect(groups.map((g) => [g.set, g.ids.length])).toEqual([
      [1, 3],
      [0, 1],
    ]);
    expect(groups[0].names).toEqual(['erp-a', 'erp-a10', 'erp-b']);
    expect(groups[0].ids).toEqual([2, 10, 1]);
    expect(groups[1].products).toEqual([erp, gw]);
  });

  it('reads 1,000 devices with the same changes as one group', () => {
    const devices: [number, number][] = Array.from({ length: 1000 }, (_, i) => [i, 0]);
    const groups = groupChanges({ sets: [[erp]], devices }, (id) => `dev-${id}`);
    expect(groups.length).toBe(1);
    expect(groups[0].names.length).toBe(1000);
    expect(groups[0].names.slice(0, 3)).toEqual(['dev-0', 'dev-1', 'dev-2']);
    expect(groupTitle(groups[0])).toBe('1,000 devices: acme-erp 2.3.0 → 2.4.0 (2 modified, 1 added)');
  });

  it('names unknown devices by id', () => {
    expect(groupChanges({ sets: [[]], devices: [[5, 0]] }, () => undefined)[0].names).toEqual(['device 5']);
  });
});

describe('wording', () => {
  it('says each operation in words with its versions', () => {
    expect(opWording(erp.ops[0])).toEqual({ word: 'Modified', kind: 'modified', versions: '2.3.0 → 2.4.0' });
    expect(opWording(erp.ops[1])).toEqual({ word: 'Added', kind: 'added', versions: 'new at 1.0.0' });
    expect(opWording(gw.ops[0])).toEqual({ word: 'Removed', kind: 'removed', versions: 'was 0.9.0' });
    expect(opWording({ op: 'renamed', module: 'x', from: 'a', to: null })).toEqual({ word: 'Renamed', kind: 'other', versions: 'a → —' });
  });

  it('sums up a product and a group', () => {
    expect(productLine(erp)).toBe('acme-erp 2.3.0 → 2.4.0');
    expect(productLine({ product: 'x', from: null, to: '1.0.0' })).toBe('x (not running) → 1.0.0');
    expect(opsSummary(gw.ops)).toBe('1 removed');
    expect(opsSummary([])).toBe('no module changes');
    expect(groupTitle({ products: [erp, gw], ids: [1] })).toBe(
      '1 device: acme-erp 2.3.0 → 2.4.0 (2 modified, 1 added); edge-gateway 1.1.0 → 1.2.0 (1 removed)',
    );
  });
});
