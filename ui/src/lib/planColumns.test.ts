import { describe, expect, it } from 'vitest';
import type { PlanDeviceColumns } from './bindings';
import { planDeviceRows } from './planColumns';

describe('planDeviceRows', () => {
  it('turns the columns back into one device each, with only the targets it takes', () => {
    const columns: PlanDeviceColumns = {
      targets: [
        { product: 'acme-erp', version: '2.4.0' },
        { product: 'edge-gateway', version: '1.2.0' },
      ],
      versions: ['2.4.0', '2.3.0', '1.1.0'],
      reach_states: ['unknown', 'reachable', 'unreachable', 'identity_mismatch'],
      ids: [7, 9],
      names: ['gw-1', 'gw-2'],
      labels: [['ring', 'a', 'site', 'berlin'], []],
      reach: [1, 0],
      last_seen: [Date.UTC(2026, 11, 2, 8), null],
      unfinished: [3, null],
      configured: [
        [0, -1],
        [-1, 2],
      ],
      deployed: [
        [1, -1],
        [2, 2],
      ],
      flags: [
        [1 | 4, 0],
        [7, 7],
      ],
    };
    const [gw1, gw2] = planDeviceRows(columns);
    expect(gw1).toEqual({
      id: 7,
      name: 'gw-1',
      site: 'berlin',
      labels: { ring: 'a', site: 'berlin' },
      reach: 'reachable',
      last_seen: '2026-12-02T08:00:00.000Z',
      unfinished: 3,
      targets: [
        {
          product: 'acme-erp',
          version: '2.4.0',
          configured: '2.4.0',
          deployed: '2.3.0',
          configured_older: false,
          deployed_older: true,
        },
        {
          product: 'edge-gateway',
          version: '1.2.0',
          configured: null,
          deployed: '1.1.0',
          configured_older: true,
          deployed_older: true,
        },
      ],
    });
    expect(gw2.site).toBeNull();
    expect(gw2.reach).toBe('unknown');
    expect(gw2.targets.map((t) => `${t.product} ${t.configured} ${t.deployed}`)).toEqual(['edge-gateway 1.1.0 1.1.0']);
  });
});
