import { describe, expect, it } from 'vitest';
import {
  NO_FILTER,
  NO_SITE,
  devicesBlocked,
  filterDevices,
  indexDevices,
  isFiltered,
  keepListed,
  perSite,
  selectShown,
  selectedInOrder,
  selectionWords,
  shownSelected,
  toggle,
  unselectShown,
  versionCell,
} from './devices';
import { DEVICES, planDevice } from './fixtures';

const index = indexDevices(DEVICES);
const names = (shown: number[]) => shown.map((i) => DEVICES[i].name);

describe('indexDevices', () => {
  it('lists the sites and label values once each, sorted', () => {
    expect(index.sites).toEqual(['berlin', 'munich']);
    expect(index.noSite).toBe(1);
    expect(index.labelValues).toEqual(['env=test', 'role=erp', 'role=gw', 'site=berlin', 'site=munich']);
    expect(index.position.get(3)).toBe(2);
  });
});

describe('filterDevices', () => {
  it('shows everything without a filter', () => {
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(filterDevices(DEVICES, index, NO_FILTER)).toEqual([0, 1, 2, 3]);
  });

  it('filters by site, including devices without one', () => {
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, site: 'berlin' }))).toEqual(['erp-berlin-2', 'gw-berlin-1']);
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, site: NO_SITE }))).toEqual(['lab-01']);
  });

  it('filters by label value or by key', () => {
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, label: 'role=gw' }))).toEqual(['gw-berlin-1', 'gw-munich-1']);
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, label: 'ENV' }))).toEqual(['lab-01']);
    expect(filterDevices(DEVICES, index, { ...NO_FILTER, label: 'role=g' })).toEqual([]);
  });

  it('matches every word of the free text anywhere, ignoring case', () => {
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, text: 'GW munich' }))).toEqual(['gw-munich-1']);
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, text: 'erp' })).length).toBe(4);
    expect(names(filterDevices(DEVICES, index, { ...NO_FILTER, text: 'role=erp' }))).toEqual(['erp-berlin-2']);
    expect(names(filterDevices(DEVICES, index, { text: 'gw', site: 'berlin', label: '' }))).toEqual(['gw-berlin-1']);
  });

  it('filters 10,000 devices by text and site together', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => planDevice(i, `edge-${String(i).padStart(5, '0')}`, `site-${i % 40}`));
    const idx = indexDevices(many);
    const shown = filterDevices(many, idx, { text: 'edge-01', site: 'site-3', label: '' });
    expect(shown.length).toBe(25);
  });
});

describe('selection', () => {
  it('selects one, many, all shown and none', () => {
    let s = toggle(new Set(), 2);
    expect([...s]).toEqual([2]);
    s = toggle(s, 3);
    expect(selectedInOrder(DEVICES, s)).toEqual([2, 3]);
    s = toggle(s, 2);
    expect([...s]).toEqual([3]);
    expect(toggle(s, 3, true)).toEqual(new Set([3]));

    const berlin = filterDevices(DEVICES, index, { ...NO_FILTER, site: 'berlin' });
    s = selectShown(s, DEVICES, berlin);
    expect(selectedInOrder(DEVICES, s)).toEqual([1, 2, 3]);
    expect(shownSelected(DEVICES, berlin, s)).toBe(2);
    expect(selectionWords(s.size, DEVICES.length, shownSelected(DEVICES, berlin, s))).toBe('3 of 4 devices selected (1 not shown)');

    expect(selectedInOrder(DEVICES, unselectShown(s, DEVICES, berlin))).toEqual([3]);
    expect(unselectShown(s, DEVICES, [0, 1, 2, 3]).size).toBe(0);
  });

  it('keeps only devices still listed after a reload', () => {
    const smaller = indexDevices(DEVICES.slice(0, 2));
    expect([...keepListed(new Set([1, 3, 9]), smaller)]).toEqual([1]);
  });

  it('words the count and why Next waits', () => {
    expect(selectionWords(1, 1, 1)).toBe('1 of 1 device selected');
    expect(selectionWords(10_000, 10_000, 10_000)).toBe('10,000 of 10,000 devices selected');
    expect(devicesBlocked(0, true)).toMatch(/at least one/);
    expect(devicesBlocked(0, false)).toMatch(/being read/);
    expect(devicesBlocked(2, true)).toBeNull();
  });
});

describe('versionCell', () => {
  it('says which versions are older than the target', () => {
    const c = versionCell({ product: 'acme-erp', version: '2.4.0', configured: '2.4.0', deployed: null, configured_older: false, deployed_older: false });
    expect(c.configured).toBe('2.4.0');
    expect(c.deployed).toBe('—');
    expect(c.tooltip).toBe('acme-erp → 2.4.0\nconfigured 2.4.0\ndeployed none');
    expect(versionCell(DEVICES[0].targets[0]).tooltip).toContain('deployed 2.3.0 (older than 2.4.0)');
  });
});

describe('perSite', () => {
  it('counts selected devices per site, most first, no site last', () => {
    expect(perSite(DEVICES, new Set([1, 2, 3, 4]))).toEqual([
      { site: 'berlin', devices: 2 },
      { site: 'munich', devices: 1 },
      { site: null, devices: 1 },
    ]);
  });
});
