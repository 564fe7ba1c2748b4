import { describe, expect, it } from 'vitest';
import type { DeviceRow, ProductState, SyncReportDto } from '../lib/api';
import {
  REACH_WORDS,
  ago,
  count,
  deviceSyncSentence,
  diffSummary,
  diffWording,
  labelsDetail,
  latency,
  orderLabels,
  orderProducts,
  productSentence,
  reachDetail,
  removalSentence,
  spreadSeries,
  syncSentence,
  versionPair,
} from './format';

const now = new Date('2026-11-28T21:00:00Z');
const p = (product: string, configured: string | null, deployed: string | null): ProductState => ({
  product,
  configured,
  deployed,
  drifted: configured !== null && deployed !== null && configured !== deployed,
});
const reach = (over: Partial<DeviceRow>) => ({
  reach: 'reachable' as DeviceRow['reach'],
  last_seen: '2026-11-28T20:55:00Z',
  latency_ms: 12,
  last_error: null,
  agent_id: 'a-1',
  reported_id: null,
  ...over,
});
const report = (over: Partial<SyncReportDto>): SyncReportDto => ({
  devices: 0,
  reached: 0,
  unreachable: 0,
  mismatched: 0,
  changed: 0,
  failures: [],
  ...over,
});

describe('reach', () => {
  it('has a word for every state', () => {
    expect(REACH_WORDS).toEqual({
      reachable: 'reachable',
      unreachable: 'unreachable',
      identity_mismatch: 'identity mismatch',
      unknown: 'not synced yet',
    });
  });

  it('explains a mismatch with the identity that answered', () => {
    const t = reachDetail(reach({ reach: 'identity_mismatch', reported_id: 'a-9' }), { timeZone: 'UTC', now });
    expect(t).toContain('answers as a-9, not as a-1');
    expect(t).toContain('Last seen Sat 28 Nov, 20:55 UTC');
  });

  it('gives the last error of an unreachable device, and says when it was never seen', () => {
    const t = reachDetail(reach({ reach: 'unreachable', last_error: 'connection refused', last_seen: null, latency_ms: null }));
    expect(t).toBe('Last error: connection refused\nNever seen');
    expect(reachDetail(reach({ reach: 'unknown', last_seen: null, latency_ms: null }))).toContain('Not synced yet');
  });

  it('words latency and relative times', () => {
    expect(latency(null)).toBe('—');
    expect(latency(12)).toBe('12 ms');
    expect(latency(1234)).toBe('1.2 s');
    expect(latency(15_400)).toBe('15 s');
    expect(ago(null, now)).toBe('never');
    expect(ago('2026-11-28T20:59:30Z', now)).toBe('just now');
    expect(ago('2026-11-28T20:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-11-28T18:00:00Z', now)).toBe('3 h ago');
    expect(ago('2026-11-26T20:00:00Z', now)).toBe('2 d ago');
    expect(ago('2026-11-28T21:10:00Z', now)).toBe('in 10 min');
  });
});

describe('versions and drift', () => {
  it('shows configured / deployed with a dash for an unknown one', () => {
    expect(versionPair(p('hmi', '2.1.0', '2.0.0'))).toBe('2.1.0 / 2.0.0');
    expect(versionPair(p('hmi', null, '2.0.0'))).toBe('— / 2.0.0');
  });

  it('says drift in words', () => {
    expect(productSentence(p('hmi', '2.1.0', '2.0.0'))).toBe(
      'hmi: configured 2.1.0, deployed 2.0.0 (drifted: runs another version than configured)',
    );
    expect(productSentence(p('plc', '1.0.0', '1.0.0'))).toBe('plc: configured 1.0.0, deployed 1.0.0');
  });

  it('puts the filtered product first, then drifted ones', () => {
    const ps = [p('alpha', '1', '1'), p('zeta', '2', '1'), p('hmi', '3', '3')];
    expect(orderProducts(ps).map((x) => x.product)).toEqual(['zeta', 'alpha', 'hmi']);
    expect(orderProducts(ps, 'hmi').map((x) => x.product)).toEqual(['hmi', 'zeta', 'alpha']);
  });
});

describe('labels', () => {
  it('puts site first and says who set each', () => {
    const ls = orderLabels({ env: 'prod', site: 'berlin', area: 'north' }, { env: 'prod' });
    expect(ls.map((l) => `${l.key}=${l.value}`)).toEqual(['site=berlin', 'area=north', 'env=prod']);
    expect(labelsDetail(ls)).toBe(
      'site=berlin (from the agent)\narea=north (from the agent)\nenv=prod (set by an admin)',
    );
    expect(labelsDetail([])).toBe('No labels');
  });
});

describe('sync reports', () => {
  it('says what a sync of every device found', () => {
    expect(syncSentence(report({ devices: 1200, reached: 1180, changed: 31, unreachable: 18, mismatched: 2 }))).toBe(
      '1,200 devices: 1,180 reached (31 changed), 18 unreachable, 2 answering as another device',
    );
    expect(syncSentence(report({ devices: 1, reached: 1 }))).toBe(
      '1 device: 1 reached (0 changed), 0 unreachable, 0 answering as another device',
    );
  });

  it('says what a sync of one device found', () => {
    expect(deviceSyncSentence(report({ devices: 1, reached: 1 }))).toBe('Synced: the device was reached; nothing changed.');
    expect(deviceSyncSentence(report({ devices: 1, reached: 1, changed: 1 }))).toBe(
      'Synced: the device was reached and its inventory changed.',
    );
    expect(
      deviceSyncSentence(report({ devices: 1, unreachable: 1, failures: [{ device: 'gw', error: 'timed out' }] })),
    ).toBe('Synced: the device is unreachable (timed out).');
    expect(deviceSyncSentence(report({ devices: 1, mismatched: 1 }))).toBe(
      'Synced: the agent at this address answers as another device.',
    );
    expect(deviceSyncSentence(report({}))).toContain('no longer in the landscape');
  });

  it('counts in words', () => {
    expect(count(0, 'device')).toBe('0 devices');
    expect(count(1, 'module')).toBe('1 module');
    expect(count(100_000, 'device')).toBe('100,000 devices');
  });
});

describe('module diff wording', () => {
  it('says each change in a word with its versions', () => {
    expect(diffWording({ name: 'ui', change: 'added', from: null, to: '1.3.0' })).toEqual({
      word: 'Added',
      kind: 'added',
      versions: 'new at 1.3.0',
    });
    expect(diffWording({ name: 'ui', change: 'removed', from: '1.2.0', to: null })).toEqual({
      word: 'Removed',
      kind: 'removed',
      versions: 'was 1.2.0',
    });
    expect(diffWording({ name: 'ui', change: 'modified', from: '1.2.0', to: '1.3.0' })).toEqual({
      word: 'Modified',
      kind: 'modified',
      versions: '1.2.0 → 1.3.0',
    });
    expect(diffWording({ name: 'ui', change: 'renamed', from: 'a', to: null }).word).toBe('Renamed');
  });

  it('sums a diff up', () => {
    expect(diffSummary([])).toBe('no module changes');
    expect(
      diffSummary([
        { name: 'a', change: 'added', from: null, to: '1' },
        { name: 'b', change: 'modified', from: '1', to: '2' },
        { name: 'c', change: 'modified', from: '1', to: '2' },
      ]),
    ).toBe('1 added, 0 removed, 2 modified');
  });
});

describe('version spread', () => {
  const v = (version: string, configured: number, deployed: number) => ({ version, configured, deployed });

  it('draws the newest versions oldest first and counts the rest', () => {
    const s = spreadSeries([v('3.0.0', 5, 2), v('2.0.0', 3, 5), v('1.0.0', 1, 2)], 2);
    expect(s.versions).toEqual(['2.0.0', '3.0.0']);
    expect(s.configured).toEqual([3, 5]);
    expect(s.deployed).toEqual([5, 2]);
    expect([s.older, s.olderConfigured, s.olderDeployed]).toEqual([1, 1, 2]);
    expect(spreadSeries([]).versions).toEqual([]);
  });
});

describe('removalSentence', () => {
  it('says whether the device was deleted or retired', () => {
    expect(removalSentence('gw-01', 'deleted')).toBe('Removed gw-01.');
    expect(removalSentence('gw-01', 'retired')).toBe('Retired gw-01: kept for its update history, gone from every list.');
  });
});
