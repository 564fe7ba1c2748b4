import { describe, expect, it } from 'vitest';
import { item } from './fixtures';
import {
  emptyForm,
  exdatesOf,
  fieldMessage,
  fieldOf,
  formAtNextHour,
  formFromItem,
  formFromRange,
  repeatOf,
  rruleOf,
  scopeInputOf,
  scopeOfRow,
  splitNames,
  toDowntimeInput,
  weekdayOf,
  type DowntimeForm,
} from './form';
import { wallClock } from './times';

const base: DowntimeForm = {
  ...emptyForm('Europe/Berlin'),
  title: '  Berlin maintenance ',
  from: '2026-11-28T22:00', // a Saturday
  to: '2026-11-29T02:00',
};

describe('repeat choices', () => {
  it('writes the RRULE of each choice', () => {
    expect(rruleOf({ ...base, repeat: 'none' })).toBeNull();
    expect(rruleOf({ ...base, repeat: 'daily' })).toBe('FREQ=DAILY');
    expect(rruleOf({ ...base, repeat: 'monthly' })).toBe('FREQ=MONTHLY');
    expect(rruleOf({ ...base, repeat: 'weekly', weekdays: ['SU', 'MO', 'WE'] })).toBe('FREQ=WEEKLY;BYDAY=MO,WE,SU');
    expect(rruleOf({ ...base, repeat: 'custom', rrule: ' RRULE:FREQ=WEEKLY;INTERVAL=2 ' })).toBe('FREQ=WEEKLY;INTERVAL=2');
    expect(rruleOf({ ...base, repeat: 'custom', rrule: '  ' })).toBe('');
  });

  it("repeats weekly on the start's weekday when no day is chosen", () => {
    expect(rruleOf({ ...base, repeat: 'weekly', weekdays: [] })).toBe('FREQ=WEEKLY;BYDAY=SA');
    expect(rruleOf({ ...base, from: '', repeat: 'weekly', weekdays: [] })).toBe('FREQ=WEEKLY');
    expect(weekdayOf('2026-11-30T08:00')).toBe('MO');
    expect(weekdayOf('2026-11-29')).toBe('SU');
    expect(weekdayOf('')).toBeNull();
  });

  it('shows a rule the dialog writes as its choice, any other as custom', () => {
    expect(repeatOf(null)).toEqual({ repeat: 'none', weekdays: [], rrule: '' });
    expect(repeatOf('FREQ=DAILY').repeat).toBe('daily');
    expect(repeatOf('FREQ=MONTHLY').repeat).toBe('monthly');
    expect(repeatOf('FREQ=WEEKLY;BYDAY=SA,SU')).toEqual({ repeat: 'weekly', weekdays: ['SA', 'SU'], rrule: 'FREQ=WEEKLY;BYDAY=SA,SU' });
    expect(repeatOf('FREQ=WEEKLY').repeat).toBe('weekly');
    expect(repeatOf('FREQ=WEEKLY;INTERVAL=2')).toEqual({ repeat: 'custom', weekdays: [], rrule: 'FREQ=WEEKLY;INTERVAL=2' });
    expect(repeatOf('FREQ=DAILY;COUNT=3').repeat).toBe('custom');
    expect(repeatOf('FREQ=MONTHLY;BYMONTHDAY=1').repeat).toBe('custom');
  });

  it('round-trips the choices through their RRULE', () => {
    for (const f of [
      { ...base, repeat: 'daily' as const },
      { ...base, repeat: 'weekly' as const, weekdays: ['TU' as const, 'FR' as const] },
      { ...base, repeat: 'monthly' as const },
    ]) {
      const back = repeatOf(rruleOf(f));
      expect(back.repeat).toBe(f.repeat);
      expect(back.weekdays).toEqual(f.weekdays);
    }
  });
});

describe('toDowntimeInput', () => {
  it('sends the trimmed form with its rule, skipped dates and scope', () => {
    const input = toDowntimeInput({
      ...base,
      kind: 'window',
      zone: ' Europe/Berlin ',
      repeat: 'weekly',
      weekdays: ['SA'],
      skipped: ['2026-12-26', '2026-12-05', '2026-12-26'],
      scope: 'label',
      labelKey: ' site ',
      labelValue: ' berlin ',
    });
    expect(input).toEqual({
      kind: 'window',
      title: 'Berlin maintenance',
      from: '2026-11-28T22:00',
      to: '2026-11-29T02:00',
      zone: 'Europe/Berlin',
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      exdates: ['2026-12-05T22:00', '2026-12-26T22:00'],
      scope: { scope: 'label', key: 'site', value: 'berlin' },
    });
  });

  it('sends no skipped dates for an item that does not repeat', () => {
    expect(exdatesOf({ ...base, repeat: 'none', skipped: ['2026-12-05'] })).toEqual([]);
    expect(toDowntimeInput({ ...base, skipped: ['2026-12-05'] }).exdates).toEqual([]);
  });

  it('sends each scope as the core takes it', () => {
    expect(scopeInputOf({ ...base, scope: 'all' })).toEqual({ scope: 'all' });
    expect(scopeInputOf({ ...base, scope: 'devices', devices: ' gw-1, gw-2\n\ngw-3 ,' })).toEqual({
      scope: 'devices',
      names: ['gw-1', 'gw-2', 'gw-3'],
    });
    expect(splitNames(' , ')).toEqual([]);
  });
});

describe('prefills', () => {
  it('fills the form of an item in its own zone', () => {
    const f = formFromItem(
      item({
        id: 3,
        kind: 'unplanned',
        title: 'Power work',
        zone: 'America/New_York',
        first_from: '2026-07-04T12:00:00Z',
        first_to: '2026-07-04T14:30:00Z',
        rrule: 'FREQ=WEEKLY;BYDAY=SA',
        exdates: ['2026-07-18T12:00:00Z', '2026-07-11T12:00:00Z'],
        scope: { scope: 'devices', devices: [1, 2], names: ['gw-1', 'gw-2'] },
      }),
    );
    expect(f).toEqual({
      kind: 'unplanned',
      title: 'Power work',
      from: '2026-07-04T08:00',
      to: '2026-07-04T10:30',
      zone: 'America/New_York',
      repeat: 'weekly',
      weekdays: ['SA'],
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      skipped: ['2026-07-11', '2026-07-18'],
      scope: 'devices',
      labelKey: 'site',
      labelValue: '',
      devices: 'gw-1, gw-2',
    });
    // Sent back unchanged, it says what the item says.
    expect(toDowntimeInput(f).exdates).toEqual(['2026-07-11T08:00', '2026-07-18T08:00']);
  });

  it('fills a selected range with its row as the scope', () => {
    const start = new Date('2026-11-28T21:00:00Z');
    const end = new Date('2026-11-28T23:00:00Z');
    const f = formFromRange(start, end, 'group:berlin', 'site', 'Europe/Berlin', 'freeze');
    expect(f).toMatchObject({
      kind: 'freeze',
      from: '2026-11-28T22:00',
      to: '2026-11-29T00:00',
      zone: 'Europe/Berlin',
      scope: 'label',
      labelKey: 'site',
      labelValue: 'berlin',
    });
    expect(formFromRange(start, end, 'all', 'site', 'UTC', 'window')).toMatchObject({
      from: '2026-11-28T21:00',
      to: '2026-11-28T23:00',
      scope: 'all',
    });
  });

  it('knows the scope of every row', () => {
    expect(scopeOfRow('all', 'site')).toEqual({ scope: 'all' });
    expect(scopeOfRow('group', 'site')).toEqual({ scope: 'all' });
    expect(scopeOfRow(undefined, 'site')).toEqual({ scope: 'all' });
    expect(scopeOfRow('group:2', 'line')).toEqual({ scope: 'label', key: 'line', value: '2' });
    expect(scopeOfRow('label:site=a=b', 'line')).toEqual({ scope: 'label', key: 'site', value: 'a=b' });
    expect(scopeOfRow('devices', 'site')).toEqual({ scope: 'devices', names: [] });
  });

  it('starts "New item" at the next full hour, for an hour, everywhere', () => {
    const now = new Date(2026, 10, 28, 12, 17);
    const f = formAtNextHour(now, 'UTC');
    expect(f.from).toBe(wallClock(new Date(2026, 10, 28, 13, 0), 'UTC'));
    expect(f.to).toBe(wallClock(new Date(2026, 10, 28, 14, 0), 'UTC'));
    expect(f.scope).toBe('all');
    expect(f.kind).toBe('planned');
    expect(f.repeat).toBe('none');
  });
});

describe('errors at their field', () => {
  it('maps the core field to the input', () => {
    for (const f of ['kind', 'title', 'from', 'to', 'zone', 'rrule', 'exdates', 'scope'] as const) {
      expect(fieldOf(f)).toBe(f);
    }
    expect(fieldOf('scope.devices[2]')).toBe('scope');
    expect(fieldOf('scope.key')).toBe('scope');
    expect(fieldOf('exdates[0]')).toBe('exdates');
    expect(fieldOf('id')).toBeNull();
    expect(fieldOf(null)).toBeNull();
  });

  it('names the device or skipped date the core refused', () => {
    const f = { ...base, scope: 'devices' as const, devices: 'gw-1, gw-9', repeat: 'daily' as const, skipped: ['2026-12-05'] };
    expect(fieldMessage('scope.devices[1]', 'no such device', f)).toBe('Device 2 (gw-9): no such device');
    expect(fieldMessage('scope.devices[5]', 'no such device', f)).toBe('no such device');
    expect(fieldMessage('exdates[0]', 'is no occurrence', f)).toBe('Skipped date 2026-12-05: is no occurrence');
    expect(fieldMessage('title', 'must not be empty', f)).toBe('must not be empty');
  });
});
