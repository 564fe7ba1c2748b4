import { describe, expect, it } from 'vitest';
import { DEFAULT_SORT, NO_FILTERS, ariaSort, isFiltered, nextSort, toDeviceQuery } from './query';

describe('toDeviceQuery', () => {
  it('sends null for blank filters and the page asked for', () => {
    expect(toDeviceQuery(NO_FILTERS, DEFAULT_SORT, 400, 200)).toEqual({
      text: null,
      labels: [],
      product: null,
      version: null,
      reach: null,
      drifted: false,
      sort: 'name',
      descending: false,
      offset: 400,
      limit: 200,
    });
  });

  it('trims, splits labels and keeps a version only with its product', () => {
    const q = toDeviceQuery(
      { text: ' gw ', labels: 'site=berlin, env=prod', product: '', version: '2.1.0', reach: 'unreachable', drifted: true },
      { key: 'latency', descending: true },
      0,
      200,
    );
    expect(q).toMatchObject({
      text: 'gw',
      labels: ['site=berlin', 'env=prod'],
      product: null,
      version: null,
      reach: 'unreachable',
      drifted: true,
      sort: 'latency',
      descending: true,
    });
    expect(toDeviceQuery({ ...NO_FILTERS, product: 'hmi', version: '2.1.0' }, DEFAULT_SORT, 0, 200).version).toBe('2.1.0');
  });

  it('knows when the list is narrowed', () => {
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, text: '  ', labels: ' , ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, drifted: true })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, labels: 'site=x' })).toBe(true);
  });
});

describe('sorting', () => {
  it('flips the direction of the sorted column', () => {
    expect(nextSort(DEFAULT_SORT, 'name')).toEqual({ key: 'name', descending: true });
    expect(nextSort({ key: 'name', descending: true }, 'name')).toEqual({ key: 'name', descending: false });
  });

  it('starts another column where an admin looks first', () => {
    expect(nextSort(DEFAULT_SORT, 'last_seen')).toEqual({ key: 'last_seen', descending: true });
    expect(nextSort(DEFAULT_SORT, 'latency')).toEqual({ key: 'latency', descending: false });
  });

  it('says the sort for each header', () => {
    const s = { key: 'last_seen', descending: true } as const;
    expect(ariaSort(s, 'last_seen')).toBe('descending');
    expect(ariaSort(s, 'name')).toBe('none');
    expect(ariaSort(DEFAULT_SORT, 'name')).toBe('ascending');
  });
});
