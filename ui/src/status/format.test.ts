import { describe, expect, it } from 'vitest';
import type { DeviceTargetView, LogRow } from '../lib/api';
import {
  actualSpan,
  actualTitle,
  cancelDeviceText,
  cancelUpdateText,
  cancellable,
  cancelledSentence,
  canCancelDevice,
  clampOffset,
  clock,
  countsLine,
  countsList,
  deviceTargetsText,
  entryToText,
  fromTo,
  isFiltered,
  logToText,
  optionWords,
  pageRange,
  percent,
  span,
  startEnd,
  toQuery,
  versionsLine,
  zoneOf,
  brief,
} from './format';

const tz = { timeZone: 'Europe/Berlin', now: new Date('2026-12-01T10:00:00Z') };

describe('versions', () => {
  it('reads from → to', () => {
    const t = { product: 'acme-erp', version: '2.5.0', from: ['2.4.0', '2.4.1'] };
    expect(fromTo(t)).toBe('2.4.0, 2.4.1 → 2.5.0');
    expect(versionsLine(t)).toBe('acme-erp 2.4.0, 2.4.1 → 2.5.0');
  });

  it('is just the target when nothing ran before', () => {
    expect(versionsLine({ product: 'hmi', version: '1.0.0', from: [] })).toBe('hmi 1.0.0');
  });

  it('says what a device ran before', () => {
    const targets: DeviceTargetView[] = [
      { product: 'acme-erp', version: '2.5.0', previous_configured: '2.4.0', previous_deployed: '2.3.0' },
      { product: 'hmi', version: '1.0.0', previous_configured: null, previous_deployed: null },
    ];
    expect(deviceTargetsText(targets)).toBe('acme-erp 2.4.0 → 2.5.0 (running 2.3.0)\nhmi none → 1.0.0');
  });
});

describe('counts', () => {
  it('lists non-zero counts, work in progress first', () => {
    expect(countsLine({ succeeded: 16, error: 1, deploying: 3, cancelled: 0 })).toBe(
      '3 deploying · 1 error · 16 succeeded',
    );
    expect(countsList({ succeeded: 1, configured: 1 })).toEqual([
      { status: 'configured', n: 1 },
      { status: 'succeeded', n: 1 },
    ]);
  });

  it('is empty without device updates', () => {
    expect(countsLine({})).toBe('');
  });

  it('groups thousands', () => {
    expect(countsLine({ scheduled: 12345 })).toBe('12,345 scheduled');
  });

  it('keeps a percentage within 0–100', () => {
    expect(percent(42.4)).toBe(42);
    expect(percent(140)).toBe(100);
    expect(percent(-3)).toBe(0);
    expect(percent(Number.NaN)).toBe(0);
  });
});

describe('optionWords', () => {
  it('names each option', () => {
    expect(optionWords('now', null)).toBe('Deploy now');
    expect(optionWords('config_only', null)).toBe('Configuration only');
    expect(optionWords('at', '2026-11-28T21:00:00Z', null, tz)).toBe('Deploy at Sat 28 Nov, 22:00 CET');
    expect(optionWords('at', '2026-11-28T21:00:00Z', '2026-11-28T20:00:00Z', tz)).toBe('Deploy at 22:00');
    expect(optionWords('at', null)).toBe('Deploy at a time');
    expect(optionWords('later', null)).toBe('later');
  });
});

describe('times', () => {
  it('writes a span on one day once', () => {
    expect(span('2026-11-28T21:00:00Z', '2026-11-28T22:30:00Z', tz)).toBe('Sat 28 Nov, 22:00 – 23:30 CET');
  });

  it('writes both days of a span across midnight', () => {
    expect(span('2026-11-28T22:00:00Z', '2026-11-29T01:00:00Z', tz)).toBe(
      'Sat 28 Nov, 23:00 – Sun 29 Nov, 02:00 CET',
    );
  });

  it('keeps both zones across a change of time', () => {
    expect(span('2026-10-25T00:30:00Z', '2026-10-25T02:30:00Z', tz)).toBe('Sun 25 Oct, 02:30 CEST – 03:30 CET');
  });

  it('leaves out of a time what its span says', () => {
    expect(brief('2026-11-28T21:03:00Z', '2026-11-28T20:00:00Z', tz)).toBe('22:03');
    expect(brief('2026-11-29T01:00:00Z', '2026-11-28T20:00:00Z', tz)).toBe('Sun 29 Nov, 02:00');
    expect(brief('2026-10-25T02:30:00Z', '2026-10-25T00:30:00Z', tz)).toBe('Sun 25 Oct, 03:30 CET');
  });

  it('shows the estimate until the actual end replaces it', () => {
    const planned = {
      window_from: '2026-11-28T21:00:00Z',
      window_to: '2026-11-28T23:00:00Z',
      actual_start: null,
      actual_end: null,
    };
    const before = startEnd(planned, tz);
    expect(before.start).toBe('not started');
    expect(before.end).toBe('end Sun 29 Nov, 00:00 (estimated)');
    expect(before.actualEnd).toBe(false);
    const done = startEnd(
      { ...planned, actual_start: '2026-11-28T21:02:00Z', actual_end: '2026-11-28T21:40:00Z' },
      tz,
    );
    expect(done.start).toBe('started 22:02');
    expect(done.end).toBe('actual end 22:40');
    expect(done.actualEnd).toBe(true);
    expect(done.title).toContain('Actual end: Sat 28 Nov, 22:40 CET (2026-11-28 21:40:00 UTC)');
  });

  it("reads a device update's actual times", () => {
    const ref = '2026-11-28T20:00:00Z';
    expect(actualSpan(null, null, ref)).toBe('—');
    expect(actualSpan('2026-11-28T21:00:00Z', null, ref, tz)).toBe('since 22:00');
    expect(actualSpan('2026-11-28T21:00:00Z', '2026-11-28T21:10:00Z', ref, tz)).toBe('22:00 – 22:10');
    expect(actualSpan('2026-11-29T01:00:00Z', '2026-11-29T01:10:00Z', ref, tz)).toBe('Sun 29 Nov, 02:00 – 02:10');
    expect(zoneOf(ref, tz)).toBe('CET');
    expect(actualTitle('2026-11-28T21:00:00Z', null, tz)).toBe(
      'Started Sat 28 Nov, 22:00 CET (2026-11-28 21:00:00 UTC)\nNot ended yet',
    );
  });

  it('shows when the list was read to the second', () => {
    expect(clock('2026-11-28T21:03:07Z', 'Europe/Berlin')).toBe('22:03:07');
    expect(clock('soon')).toBe('soon');
  });
});

describe('filters and pages', () => {
  it('sends null for filters not set', () => {
    expect(toQuery({ status: '', product: ' ', text: '' }, 50)).toEqual({
      status: null,
      product: null,
      text: null,
      offset: 50,
    });
    expect(toQuery({ status: 'failed', product: ' acme-erp ', text: 'night' }, -1)).toEqual({
      status: 'failed',
      product: 'acme-erp',
      text: 'night',
      offset: 0,
    });
    expect(isFiltered({ status: '', product: '', text: '  ' })).toBe(false);
    expect(isFiltered({ status: 'running', product: '', text: '' })).toBe(true);
  });

  it('words the range of a page', () => {
    expect(pageRange(50, 50, 12345)).toBe('51–100 of 12,345');
    expect(pageRange(0, 3, 3)).toBe('1–3 of 3');
    expect(pageRange(0, 0, 0)).toBe('0 of 0');
  });

  it('moves back to the last page when the list shrank', () => {
    expect(clampOffset(100, 120, 50)).toBe(100);
    expect(clampOffset(150, 120, 50)).toBe(100);
    expect(clampOffset(100, 100, 50)).toBe(50);
    expect(clampOffset(50, 0, 50)).toBe(0);
  });
});

describe('cancelling', () => {
  const targets: DeviceTargetView[] = [
    { product: 'acme-erp', version: '2.5.0', previous_configured: '2.4.0', previous_deployed: '2.3.0' },
  ];

  it('counts what can be cancelled', () => {
    expect(cancellable({ scheduled: 2, error: 1, deploying: 5 })).toBe(3);
    expect(cancellable({ succeeded: 4 })).toBe(0);
    expect(canCancelDevice('scheduled')).toBe(true);
    expect(canCancelDevice('error')).toBe(true);
    expect(canCancelDevice('deploying')).toBe(false);
  });

  it('revokes the configuration of a scheduled device update', () => {
    expect(cancelDeviceText({ device: 'gw-01', status: 'scheduled', targets })).toBe(
      'Cancelling gw-01 revokes the configuration change: the device is configured back to its previous version (acme-erp 2.4.0).',
    );
  });

  it('aborts and rolls back one in error', () => {
    expect(cancelDeviceText({ device: 'gw-01', status: 'error', targets })).toBe(
      'Cancelling gw-01 aborts the deployment on the agent and rolls the device back to its previous deployed version ' +
        '(acme-erp 2.3.0), then restores its configuration.',
    );
  });

  it('says how many of each a whole update cancels, and what it leaves', () => {
    const lines = cancelUpdateText({ scheduled: 3, error: 1, deploying: 2, succeeded: 5 }, [
      { product: 'acme-erp', version: '2.5.0', from: ['2.4.0', '2.4.1'] },
    ]);
    expect(lines).toEqual([
      '3 scheduled device updates will have their configuration change revoked: each device is configured back to its previous version (acme-erp 2.4.0, 2.4.1).',
      '1 device update in error will be aborted on the agent and rolled back to its previous deployed version, then have its configuration restored.',
      'Running, configured and finished device updates are not touched (2 deploying, 5 succeeded).',
    ]);
    expect(cancelUpdateText({ succeeded: 2 })[0]).toMatch(/^Nothing to cancel/);
  });

  it('says what cancelling started', () => {
    expect(cancelledSentence('Night rollout', 3)).toBe('Night rollout: 3 device updates started cancelling.');
    expect(cancelledSentence('Night rollout', 0)).toBe('Nothing of Night rollout was left to cancel.');
  });
});

describe('the log as text', () => {
  const rows: LogRow[] = [
    {
      at: '2026-11-28T21:00:05Z',
      level: 'info',
      source: 'rollwright',
      code: 'configure',
      message: 'Configured acme-erp 2.5.0',
      detail: null,
    },
    {
      at: '2026-11-28T21:04:00Z',
      level: 'error',
      source: 'agent',
      code: 'deploy_failed',
      message: 'Deployment failed',
      detail: 'step: deploy\nproduct: acme-erp\n\ntries: 3\nlast HTTP status: 503',
    },
  ];

  it('writes an entry with its detail indented', () => {
    expect(entryToText(rows[1])).toBe(
      '2026-11-28 21:04:00 UTC  ERROR  agent  deploy_failed  Deployment failed\n' +
        '    step: deploy\n    product: acme-erp\n    tries: 3\n    last HTTP status: 503',
    );
  });

  it('writes the whole log under a heading', () => {
    const text = logToText('gw-01', rows);
    expect(text.split('\n')[0]).toBe('Log of the device update of gw-01: 2 entries');
    expect(text).toContain('2026-11-28 21:00:05 UTC  INFO  Rollwright  configure  Configured acme-erp 2.5.0\n');
    expect(text.endsWith('last HTTP status: 503\n')).toBe(true);
  });
});
