// Small answers of the wizard's commands, for the tests.
import type { PlanDeviceView, ProductChoicesView } from './types';

export const CHOICES: ProductChoicesView[] = [
  {
    product: 'acme-erp',
    versions: [
      { version: '2.4.0', eligible: 3 },
      { version: '2.3.5', eligible: 2 },
    ],
    running: [
      { version: '2.3.0', devices: 12 },
      { version: '2.4.0', devices: 3 },
    ],
  },
  { product: 'edge-gateway', versions: [{ version: '1.2.0', eligible: 2 }], running: [{ version: '1.1.0', devices: 2 }] },
  { product: 'vision', versions: [], running: [{ version: '3.0.0', devices: 5 }] },
];

export function planDevice(id: number, name: string, site: string | null, labels: Record<string, string> = {}): PlanDeviceView {
  return {
    id,
    name,
    site,
    labels: site === null ? labels : { site, ...labels },
    reach: 'reachable',
    last_seen: '2026-11-28T20:00:00Z',
    targets: [
      { product: 'acme-erp', version: '2.4.0', configured: '2.3.0', deployed: '2.3.0', configured_older: true, deployed_older: true },
    ],
    unfinished: null,
  };
}

export const DEVICES: PlanDeviceView[] = [
  planDevice(1, 'erp-berlin-2', 'berlin', { role: 'erp' }),
  planDevice(2, 'gw-berlin-1', 'berlin', { role: 'gw' }),
  planDevice(3, 'gw-munich-1', 'munich', { role: 'gw' }),
  planDevice(4, 'lab-01', null, { env: 'test' }),
];
