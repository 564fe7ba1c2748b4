import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import {
  DEFAULT_CHOICE,
  addMinutes,
  buildPlan,
  choiceOf,
  conflictSummary,
  conflictsByDevice,
  defaultFrom,
  deploymentBlocked,
  deviceField,
  moveWindow,
  optionCounts,
  placeError,
  planState,
  setChoice,
  toRfc3339,
  windowMinutes,
  minutesWords,
  placeWords,
  zoneAbbreviation,
} from './plan';
import type { ConflictView, PlanCheck } from './types';

const ZONE = 'Europe/Berlin';
const TARGETS = [{ product: 'acme-erp', version: '2.4.0' }];

describe('options per device and in bulk', () => {
  it('deploys now unless told otherwise', () => {
    expect(choiceOf(new Map(), 7)).toEqual(DEFAULT_CHOICE);
    expect(DEFAULT_CHOICE.option).toBe('now');
  });

  it('sets one device, or many at once, without touching the others', () => {
    const one = setChoice(new Map(), [2], { option: 'config_only' });
    expect(choiceOf(one, 2).option).toBe('config_only');
    expect(choiceOf(one, 3).option).toBe('now');
    const bulk = setChoice(one, [2, 3, 4], { option: 'at', at: '2026-11-28T22:30' });
    expect([2, 3, 4].map((id) => choiceOf(bulk, id))).toEqual([
      { option: 'at', at: '2026-11-28T22:30' },
      { option: 'at', at: '2026-11-28T22:30' },
      { option: 'at', at: '2026-11-28T22:30' },
    ]);
    expect(choiceOf(one, 3).option).toBe('now');
  });

  it('gives `at` the window start when no time was given, and keeps a time set before', () => {
    const c = setChoice(new Map(), [1], { option: 'at' }, '2026-11-28T22:00');
    expect(choiceOf(c, 1)).toEqual({ option: 'at', at: '2026-11-28T22:00' });
    const back = setChoice(setChoice(c, [1], { at: '2026-11-28T23:15' }), [1], { option: 'now' });
    expect(choiceOf(setChoice(back, [1], { option: 'at' }, '2026-11-28T22:00', ), 1).at).toBe('2026-11-28T23:15');
  });

  it('counts devices per option', () => {
    const c = setChoice(setChoice(new Map(), [1], { option: 'config_only' }), [3], { option: 'at', at: 'x' });
    expect(optionCounts([1, 2, 3, 4], c)).toEqual({ config_only: 1, now: 2, at: 1 });
  });
});

describe('times', () => {
  it('turns local wall-clock times into RFC 3339 UTC', () => {
    expect(toRfc3339('2026-11-28T22:00', ZONE)).toBe('2026-11-28T21:00:00.000Z');
    expect(toRfc3339('2026-07-01T12:00', ZONE)).toBe('2026-07-01T10:00:00.000Z');
    expect(toRfc3339('', ZONE)).toBe('');
    expect(toRfc3339('soon', ZONE)).toBe('soon');
  });

  it('adds minutes and measures windows, across a DST change', () => {
    expect(addMinutes('2026-11-28T22:00', 90, ZONE)).toBe('2026-11-28T23:30');
    expect(addMinutes('2026-10-25T01:30', 120, ZONE)).toBe('2026-10-25T02:30');
    expect(addMinutes('', 90, ZONE)).toBe('');
    expect(windowMinutes('2026-11-28T22:00', '2026-11-29T00:15', ZONE)).toBe(135);
    expect(windowMinutes('2026-11-28T22:00', '', ZONE)).toBeNull();
  });

  it('starts by default at the next five minutes', () => {
    expect(defaultFrom(new Date('2026-11-28T21:02:10Z'), ZONE)).toBe('2026-11-28T22:05');
    expect(defaultFrom(new Date('2026-11-28T21:05:00Z'), ZONE)).toBe('2026-11-28T22:10');
  });
});

describe('buildPlan', () => {
  it('sends the window in RFC 3339, the devices in order, and `at` only for `at`', () => {
    const choices = setChoice(setChoice(new Map(), [3], { option: 'at', at: '2026-11-28T22:30' }), [1], { option: 'config_only', at: '2026-11-28T23:00' });
    const plan = buildPlan(TARGETS, { title: '  ERP 2.4 ', from: '2026-11-28T22:00', to: '2026-11-29T00:00' }, [1, 2, 3], choices, ZONE);
    expect(plan).toEqual({
      targets: TARGETS,
      title: 'ERP 2.4',
      from: '2026-11-28T21:00:00.000Z',
      to: '2026-11-28T23:00:00.000Z',
      devices: [
        { id: 1, option: 'config_only', at: null },
        { id: 2, option: 'now', at: null },
        { id: 3, option: 'at', at: '2026-11-28T21:30:00.000Z' },
      ],
    });
  });

  it('leaves a missing time for the core to refuse at its field', () => {
    const choices = setChoice(new Map(), [5], { option: 'at' });
    const plan = buildPlan(TARGETS, { title: '', from: '', to: '' }, [5], choices, ZONE);
    expect(plan.from).toBe('');
    expect(plan.devices[0]).toEqual({ id: 5, option: 'at', at: '' });
  });
});

describe('moveWindow', () => {
  it('moves to the slot keeping the length, and the `at` times along', () => {
    const choices = setChoice(setChoice(new Map(), [1], { option: 'at', at: '2026-11-28T22:30' }), [2], { option: 'now' });
    const moved = moveWindow({ title: 't', from: '2026-11-28T22:00', to: '2026-11-28T23:00' }, choices, '2026-11-29T03:00:00Z', ZONE);
    expect(moved.form).toEqual({ title: 't', from: '2026-11-29T04:00', to: '2026-11-29T05:00' });
    expect(choiceOf(moved.choices, 1)).toEqual({ option: 'at', at: '2026-11-29T04:30' });
    expect(choiceOf(moved.choices, 2)).toEqual({ option: 'now', at: '' });
  });

  it('rounds a slot that does not start on a minute up to the next one', () => {
    const moved = moveWindow({ title: '', from: '2026-11-28T22:00', to: '2026-11-28T22:45' }, new Map(), '2026-11-29T03:00:41.5Z', ZONE);
    expect(moved.form.from).toBe('2026-11-29T04:01');
    expect(moved.form.to).toBe('2026-11-29T04:46');
  });
});

describe('placeError', () => {
  const plan = { devices: [{ id: 11, option: 'now' as const, at: null }, { id: 12, option: 'now' as const, at: null }, { id: 13, option: 'at' as const, at: '' }] };

  it('reads device fields', () => {
    expect(deviceField('devices[2].at')).toEqual({ index: 2, sub: 'at' });
    expect(deviceField('devices[10]')).toEqual({ index: 10, sub: null });
    expect(deviceField('devices')).toBeNull();
    expect(deviceField('targets[0].version')).toBeNull();
  });

  it('maps `devices[i]` back to the row of that device', () => {
    expect(placeError('devices[2].at', plan)).toEqual({ at: 'device', field: 'devices[2].at', device: 13, index: 2 });
    expect(placeError('devices[0]', plan)).toEqual({ at: 'device', field: 'devices[0]', device: 11, index: 0 });
    expect(placeError('devices[7]', plan)).toEqual({ at: 'other', field: 'devices[7]' });
  });

  it('shows the window fields, targets and the device list where they are', () => {
    expect(placeError('title', plan)).toEqual({ at: 'title', field: 'title' });
    expect(placeError('to', plan)).toEqual({ at: 'to', field: 'to' });
    expect(placeError('devices', plan)).toEqual({ at: 'devices', field: 'devices' });
    expect(placeError('targets[1].version', plan)).toEqual({ at: 'targets', field: 'targets[1].version' });
    expect(placeError(null, plan)).toEqual({ at: 'other', field: null });
  });
});

describe('the check', () => {
  const conflict = (device: number, title: string | null, w = 'item'): ConflictView => ({
    device,
    with: w,
    title,
    words: `conflicts with ${title}`,
    from: '2026-11-28T21:00:00Z',
    to: '2026-11-28T22:00:00Z',
  });
  const check = (conflicts: ConflictView[]): PlanCheck => ({ conflicts, changes: { sets: [], devices: [] } });

  it('says checking, refused, conflicts or clear', () => {
    const err = new ApiError('invalid_input', 'must be after from', 'to');
    expect(planState(true, null, null)).toBe('checking');
    expect(planState(false, null, null)).toBe('checking');
    expect(planState(false, err, null)).toBe('refused');
    expect(planState(false, null, check([conflict(1, 'Freeze')]))).toBe('conflicts');
    expect(planState(false, null, check([]))).toBe('clear');
    expect(deploymentBlocked('refused', err)).toBe('The plan is refused at to: see the message there.');
    expect(deploymentBlocked('refused', new ApiError('internal', 'database is locked'))).toBe('The plan is refused: database is locked.');
    expect(deploymentBlocked('refused', err, 'Estimated to')).toBe('The plan is refused at Estimated to: see the message there.');
    const names = (id: number) => (id === 13 ? 'gw-13' : undefined);
    const plan = { devices: [{ id: 13, option: 'at' as const, at: '' }] };
    expect(placeWords(placeError('devices[0].at', plan), names)).toBe('the row of gw-13');
    expect(placeWords(placeError('to', plan), names)).toBe('Estimated to');
    expect(placeWords(placeError(null, plan), names)).toBeNull();
    expect(deploymentBlocked('checking', null)).toMatch(/being checked/);
    expect(deploymentBlocked('conflicts', null)).toBeNull();
  });

  it('groups conflicts by device and sums them up for the window', () => {
    const list = [conflict(1, 'Quarter close'), conflict(2, 'Quarter close'), conflict(2, null, 'outside_windows'), conflict(3, 'ERP 2.3', 'update')];
    expect(conflictsByDevice(list).get(2)?.length).toBe(2);
    expect(conflictSummary(list)).toEqual({
      count: 4,
      devices: 3,
      with: [
        { what: '“Quarter close”', devices: 2 },
        { what: 'outside its maintenance windows', devices: 1 },
        { what: 'update “ERP 2.3”', devices: 1 },
      ],
    });
  });
});

describe('zone and duration words', () => {
  it('names the zone at an instant', () => {
    expect(zoneAbbreviation(new Date('2026-11-28T21:00:00Z'), 'UTC')).toBe('UTC');
    expect(['CET', 'GMT+1']).toContain(zoneAbbreviation(new Date('2026-11-28T21:00:00Z'), ZONE));
    expect(['CEST', 'GMT+2']).toContain(zoneAbbreviation(new Date('2026-07-01T21:00:00Z'), ZONE));
  });

  it('says durations in words', () => {
    expect(minutesWords(150)).toBe('2 h 30 min');
    expect(minutesWords(45)).toBe('45 min');
    expect(minutesWords(1500)).toBe('1 d 1 h');
    expect(minutesWords(0)).toBe('0 min');
  });
});
