import { describe, expect, it } from 'vitest';
import { CALENDAR_KIND } from '../lib/palette';
import { item, update, view } from './fixtures';
import {
  buildEvents,
  buildResources,
  eventCount,
  groupKeys,
  isEmptyView,
  itemRowId,
  legendEntries,
  resourcesKey,
  rowNames,
  shownCount,
  summaryHtml,
  summaryStrip,
  summaryTitle,
  updateRowIds,
  type DaySummary,
  type EventProps,
  type Resource,
} from './rows';
import { floatingLocal } from './times';

/** The rows as "name" lines, children indented. */
function names(rows: Resource[]): string[] {
  return rows.flatMap((r) => [
    r.extendedProps.row,
    ...((r.children ?? []) as Resource[]).map((c) => `  ${c.extendedProps.row}`),
  ]);
}

describe('rows', () => {
  const v = view({
    sites: ['hamburg', 'berlin'],
    items: [
      item({ id: 1 }),
      item({ id: 2, scope: { scope: 'label', key: 'site', value: 'munich' } }),
      item({ id: 3, scope: { scope: 'label', key: 'line', value: '2' } }),
      item({ id: 4, scope: { scope: 'devices', devices: [7, 8], names: ['gw-7', 'gw-8'] } }),
      item({ id: 5, scope: { scope: 'label', key: 'line', value: '10' } }),
    ],
    updates: [update({ id: 9, sites: ['berlin', 'wien'] })],
  });

  it('lists Everywhere, the sites under Sites, other labels, then Listed devices', () => {
    expect(names(buildResources(v, 'site'))).toEqual([
      'Everywhere',
      'Sites',
      '  berlin',
      '  hamburg',
      '  munich',
      '  wien',
      'line=2',
      'line=10',
      'Listed devices',
    ]);
  });

  it('groups by another label key, the sites becoming site=… rows', () => {
    expect(names(buildResources(v, 'line'))).toEqual([
      'Everywhere',
      'line',
      '  2',
      '  10',
      'site=berlin',
      'site=munich',
      'site=wien',
      'Listed devices',
    ]);
  });

  it('leaves the group parent out when there is no value', () => {
    expect(names(buildResources(view(), 'site'))).toEqual(['Everywhere', 'Listed devices']);
  });

  it('keeps a folded parent folded', () => {
    const rows = buildResources(v, 'site', new Set(['group']));
    expect(rows[1].expanded).toBe(false);
    expect(buildResources(v, 'site')[1].expanded).toBe(true);
    expect(resourcesKey(rows)).not.toBe(resourcesKey(buildResources(v, 'site')));
    expect(resourcesKey(buildResources(v, 'site'))).toBe(resourcesKey(buildResources(v, 'site')));
  });

  it('puts each item in the row of its scope', () => {
    expect(itemRowId(v.items[0], 'site')).toBe('all');
    expect(itemRowId(v.items[1], 'site')).toBe('group:munich');
    expect(itemRowId(v.items[2], 'site')).toBe('label:line=2');
    expect(itemRowId(v.items[2], 'line')).toBe('group:2');
    expect(itemRowId(v.items[1], 'line')).toBe('label:site=munich');
    expect(itemRowId(v.items[3], 'site')).toBe('devices');
  });

  it('puts an update in each of its sites, or everywhere', () => {
    expect(updateRowIds(update({ id: 1, sites: ['berlin', 'wien', 'berlin'] }), 'site')).toEqual([
      'group:berlin',
      'group:wien',
    ]);
    expect(updateRowIds(update({ id: 1, sites: ['berlin'] }), 'line')).toEqual(['label:site=berlin']);
    expect(updateRowIds(update({ id: 1, sites: [] }), 'site')).toEqual(['all']);
  });

  it('offers site and every scoped label key to group by', () => {
    expect(groupKeys(v)).toEqual(['site', 'line']);
    expect(groupKeys(view())).toEqual(['site']);
  });
});

describe('events', () => {
  it('makes one event per occurrence and one per update, titled with their kind', () => {
    const v = view({
      items: [
        item({
          id: 4,
          kind: 'freeze',
          title: 'Year end',
          scope: { scope: 'label', key: 'site', value: 'berlin' },
          occurrences: [
            { from: '2026-12-01T10:00:00Z', to: '2026-12-01T12:00:00Z' },
            { from: '2026-12-08T10:00:00Z', to: '2026-12-08T12:00:00Z' },
          ],
        }),
        item({ id: 5, occurrences: [] }),
      ],
      updates: [update({ id: 9, phase: 'running', sites: ['berlin', 'wien'] })],
    });
    const events = buildEvents(v, 'site');
    expect(events.map((e) => e.id)).toEqual(['item-4-0', 'item-4-1', 'update-9']);
    expect(events[0]).toMatchObject({
      resourceIds: ['group:berlin'],
      title: 'Freeze: Year end',
      classNames: ['cal-ev', 'cal-kind-freeze'],
      extendedProps: { type: 'item', item: 4, occurrence: 0, kind: 'freeze' },
    });
    expect(events[1].extendedProps).toEqual({ type: 'item', item: 4, occurrence: 1, kind: 'freeze' });
    expect(events[2]).toMatchObject({
      resourceIds: ['group:berlin', 'group:wien'],
      title: 'Update running: hmi 2.4.0 · Rollout 9',
      classNames: ['cal-ev', 'cal-update', 'cal-kind-update_running'],
      extendedProps: { type: 'update', update: 9, kind: 'update_running' },
    });
    expect(eventCount(v)).toBe(3);
  });

  it('hands the library the local wall-clock time of each instant, without an offset', () => {
    const [e] = buildEvents(view({ items: [item({ id: 1 })] }), 'site');
    expect(e.start).toBe(floatingLocal('2026-11-28T21:00:00Z'));
    expect(e.end).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    // Read back as local time, it is the same instant.
    expect(new Date(e.start as string).toISOString()).toBe('2026-11-28T21:00:00.000Z');
  });

  it('folds a crowded day of a row into one summary, counting by kind', () => {
    const at = (d: number, h: number) => new Date(2026, 11, d, h).toISOString();
    const occ = (d: number, h: number, hours = 1) => [{ from: at(d, h), to: new Date(new Date(at(d, h)).getTime() + hours * 3_600_000).toISOString() }];
    const berlin = { scope: 'label' as const, key: 'site', value: 'berlin' };
    const v = view({
      items: [
        item({ id: 1, kind: 'planned', scope: berlin, occurrences: occ(5, 1) }),
        item({ id: 2, kind: 'planned', scope: berlin, occurrences: occ(5, 3) }),
        item({ id: 3, kind: 'window', scope: berlin, occurrences: occ(5, 8) }),
        item({ id: 4, kind: 'freeze', scope: berlin, occurrences: occ(5, 20) }),
        // Longer than a day: shown whole, never folded.
        item({ id: 5, kind: 'freeze', scope: berlin, occurrences: occ(5, 0, 48) }),
        // Another day, and another row: not crowded.
        item({ id: 6, kind: 'unplanned', scope: berlin, occurrences: occ(6, 1) }),
        item({ id: 7, kind: 'unplanned', occurrences: occ(5, 1) }),
      ],
      updates: [update({ id: 9, sites: ['berlin'], from: at(5, 2), to: at(5, 4) })],
    });
    const events = buildEvents(v, 'site', 3);
    const ids = events.map((e) => e.id).sort();
    expect(ids).toEqual(['item-5-0', 'item-6-0', 'item-7-0', 'summary-group:berlin-2026-12-05', 'update-9']);
    const summary = events.find((e) => e.id.startsWith('summary-'))!;
    expect(summary).toMatchObject({
      resourceIds: ['group:berlin'],
      start: '2026-12-05T00:00:00',
      end: '2026-12-06T00:00:00',
      title: '4 items',
      classNames: ['cal-ev', 'cal-summary'],
      extendedProps: {
        type: 'summary',
        row: 'group:berlin',
        kind: 'summary',
        days: [
          {
            day: '2026-12-05',
            title: '4 items',
            words: '4 items: 2 planned, 1 window, 1 freeze',
            strip: summaryStrip({ planned: 2, window: 1, freeze: 1 }),
            occurrences: [
              { item: 1, occurrence: 0 },
              { item: 2, occurrence: 0 },
              { item: 3, occurrence: 0 },
              { item: 4, occurrence: 0 },
            ],
          },
        ],
      },
    });
    // Each folded day counts one, as its box shows it.
    expect(shownCount(events)).toBe(5);
    // With room for four, nothing is folded; without a limit neither.
    expect(buildEvents(v, 'site', 4).some((e) => e.id.startsWith('summary-'))).toBe(false);
    expect(buildEvents(v, 'site')).toHaveLength(8);
  });

  it('ends a summary at the next local midnight, across a month end', () => {
    const from = new Date(2026, 10, 30, 10).toISOString();
    const to = new Date(2026, 10, 30, 11).toISOString();
    const items = [1, 2, 3].map((id) => item({ id, occurrences: [{ from, to }] }));
    const [summary] = buildEvents(view({ items }), 'site', 2);
    expect(summary.start).toBe('2026-11-30T00:00:00');
    expect(summary.end).toBe('2026-12-01T00:00:00');
    expect(summary.title).toBe('3 items');
    expect((summary.extendedProps as Extract<EventProps, { type: 'summary' }>).days[0]).toMatchObject({
      day: '2026-11-30',
      title: '3 items',
      words: '3 items: 3 planned',
    });
  });

  it("joins a row's consecutive crowded days into one event, a box per day", () => {
    const at = (m: number, d: number, h: number) => ({
      from: new Date(2026, m, d, h).toISOString(),
      to: new Date(2026, m, d, h + 1).toISOString(),
    });
    const berlin = { scope: 'label' as const, key: 'site', value: 'berlin' };
    // Two a day, 30 Nov to 2 Dec and on 4 Dec, in Berlin's row; one on 3 Dec (not crowded); two on 1 Dec Everywhere.
    const days: [number, number][] = [[10, 30], [11, 1], [11, 2], [11, 4]];
    let id = 0;
    const items = days.flatMap(([m, d]) => [8, 12].map((h) => item({ id: ++id, scope: berlin, occurrences: [at(m, d, h)] })));
    items.push(item({ id: ++id, scope: berlin, occurrences: [at(11, 3, 8)] }));
    items.push(item({ id: ++id, occurrences: [at(11, 1, 8)] }), item({ id: ++id, kind: 'window', occurrences: [at(11, 1, 9)] }));
    const events = buildEvents(view({ items }), 'site', 1);
    const byId = new Map(events.map((e) => [e.id, e]));
    expect([...byId.keys()].sort()).toEqual([
      'item-9-0',
      'summary-all-2026-12-01',
      'summary-group:berlin-2026-11-30',
      'summary-group:berlin-2026-12-04',
    ]);
    const run = byId.get('summary-group:berlin-2026-11-30')!;
    expect(run).toMatchObject({ resourceIds: ['group:berlin'], start: '2026-11-30T00:00:00', end: '2026-12-03T00:00:00', title: '6 items' });
    const props = run.extendedProps as Extract<EventProps, { type: 'summary' }>;
    expect(props.days.map((d) => [d.day, d.title, d.occurrences.length])).toEqual([
      ['2026-11-30', '2 items', 2],
      ['2026-12-01', '2 items', 2],
      ['2026-12-02', '2 items', 2],
    ]);
    expect(byId.get('summary-group:berlin-2026-12-04')).toMatchObject({ end: '2026-12-05T00:00:00', title: '2 items' });
    expect((byId.get('summary-all-2026-12-01')!.extendedProps as Extract<EventProps, { type: 'summary' }>).days[0].words).toBe(
      '2 items: 1 planned, 1 window',
    );
    // Every occurrence is still there: in a box or as its own event.
    expect(shownCount(events)).toBe(3 + 1 + 1 + 1);
    const refs = events.flatMap((e): unknown[] =>
      e.extendedProps.type === 'summary' ? e.extendedProps.days.flatMap((d) => d.occurrences) : [e.extendedProps],
    );
    expect(refs).toHaveLength(items.length);
  });

  it('writes the boxes of a summary with their hooks, words and strip class, escaped', () => {
    const days: DaySummary[] = [
      { day: '2026-12-01', occurrences: [{ item: 1, occurrence: 0 }, { item: 2, occurrence: 0 }], title: '2 items', words: '2 items: 2 planned', strip: 'S1' },
      { day: '2026-12-02', occurrences: [{ item: 3, occurrence: 1 }], title: '1 item', words: '1 item: 1 window', strip: 'S2' },
    ];
    const html = summaryHtml(days, 'group:a"b', 'a"b', (d) => `day ${d}`, (s) => `strip-${s}`);
    expect(html).toBe(
      '<div class="cal-day-summaries">' +
        '<span class="cal-day-summary strip-S1" role="button" tabindex="0" data-cal-summary="group:a&quot;b|2026-12-01" data-cal-count="2"' +
        ' aria-label="2 items: 2 planned, day 2026-12-01" title="2 items: 2 planned&#10;a&quot;b, day 2026-12-01: click for the list">2 items</span>' +
        '<span class="cal-day-summary strip-S2" role="button" tabindex="0" data-cal-summary="group:a&quot;b|2026-12-02" data-cal-count="1"' +
        ' aria-label="1 item: 1 window, day 2026-12-02" title="1 item: 1 window&#10;a&quot;b, day 2026-12-02: click for the list">1 item</span>' +
        '</div>',
    );
    // Without buttons (a timeline that only shows), no role, no focus stop, no call to click.
    const shown = summaryHtml(days.slice(0, 1), 'all', '<Everywhere>', (d) => d, (s) => s, false);
    expect(shown).not.toContain('role=');
    expect(shown).not.toContain('tabindex');
    expect(shown).toContain('title="2 items: 2 planned&#10;&lt;Everywhere&gt;, 2026-12-01"');
  });

  it('names the rows by id, children included', () => {
    const rows = buildResources(view({ items: [item({ id: 1, scope: { scope: 'label', key: 'site', value: 'berlin' } })] }), 'site');
    expect([...rowNames(rows)]).toEqual([
      ['all', 'Everywhere'],
      ['group', 'Sites'],
      ['group:berlin', 'berlin'],
      ['devices', 'Listed devices'],
    ]);
  });

  it('words a summary and strips its colours by share', () => {
    expect(summaryTitle({ unplanned: 1 })).toBe('1 item: 1 unplanned');
    expect(summaryTitle({ freeze: 2, planned: 1, window: 3 })).toBe('6 items: 1 planned, 3 windows, 2 freezes');
    expect(summaryStrip({ planned: 1, freeze: 3 })).toBe(
      'background: linear-gradient(to right, var(--cal-planned-fg) 0% 25%, var(--cal-freeze-fg) 25% 100%) left bottom / 100% 4px no-repeat, var(--panel)',
    );
  });

  it('builds 5,000 items, one event each, and folds them into one summary', () => {
    const items = Array.from({ length: 5000 }, (_, i) => item({ id: i + 1 }));
    const events = buildEvents(view({ items }), 'site');
    expect(events).toHaveLength(5000);
    // All on one day of one row: folded into one summary, of one box counting them all.
    const folded = buildEvents(view({ items }), 'site', 3);
    expect(folded).toHaveLength(1);
    expect(shownCount(folded)).toBe(1);
    expect(folded[0].title).toBe('5000 items');
  });

  it('is empty without occurrences and updates', () => {
    expect(isEmptyView(view())).toBe(true);
    expect(isEmptyView(view({ items: [item({ id: 1, occurrences: [] })] }))).toBe(true);
    expect(isEmptyView(view({ items: [item({ id: 1 })] }))).toBe(false);
    expect(isEmptyView(view({ updates: [update({ id: 1 })] }))).toBe(false);
  });
});

describe('legend', () => {
  it('explains every colour of the palette with a word, in its order', () => {
    const entries = legendEntries();
    expect(entries.map((e) => e.meaning)).toEqual(Object.keys(CALENDAR_KIND));
    expect(entries.map((e) => e.word)).toEqual([
      'planned downtime',
      'unplanned downtime',
      'maintenance window',
      'freeze',
      'update scheduled',
      'update running',
      'update finished',
    ]);
    expect(entries[0]).toEqual({
      meaning: 'planned',
      word: 'planned downtime',
      className: 'cal-kind-planned',
      property: '--cal-planned',
    });
  });
});
