// The devices table's filters and sort as the screen holds them, and the
// query the core is sent for one page. Pure, tested in query.test.ts.
import type { DeviceQueryDto, Reachability } from '../lib/api';
import { parseLabels } from './addForm';

export type SortKey = 'name' | 'last_seen' | 'latency';

export interface DeviceSort {
  key: SortKey;
  descending: boolean;
}

/** The filters as the form holds them; '' means "any". */
export interface DeviceFilters {
  text: string;
  /** `key=value`, several separated by commas. */
  labels: string;
  product: string;
  version: string;
  reach: Reachability | '';
  drifted: boolean;
}

export const NO_FILTERS: DeviceFilters = { text: '', labels: '', product: '', version: '', reach: '', drifted: false };

export const DEFAULT_SORT: DeviceSort = { key: 'name', descending: false };

/** The query for one page: blanks become null, a version only with its product. */
export function toDeviceQuery(f: DeviceFilters, sort: DeviceSort, offset: number, limit: number): DeviceQueryDto {
  const blank = (s: string) => (s.trim() === '' ? null : s.trim());
  const product = blank(f.product);
  return {
    text: blank(f.text),
    labels: parseLabels(f.labels),
    product,
    version: product === null ? null : blank(f.version),
    reach: f.reach === '' ? null : f.reach,
    drifted: f.drifted,
    sort: sort.key,
    descending: sort.descending,
    offset,
    limit,
  };
}

/** Whether any filter narrows the list. */
export function isFiltered(f: DeviceFilters): boolean {
  const q = toDeviceQuery(f, DEFAULT_SORT, 0, 1);
  return q.text !== null || q.labels.length > 0 || q.product !== null || q.reach !== null || q.drifted;
}

/**
 * The sort after a click on `key`'s header: the same column flips direction;
 * another starts where an admin looks first (names A–Z, most recently seen
 * first, fastest first).
 */
export function nextSort(current: DeviceSort, key: SortKey): DeviceSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key === 'last_seen' };
}

/** The header's `aria-sort` for `key`. */
export function ariaSort(current: DeviceSort, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (current.key !== key) return 'none';
  return current.descending ? 'descending' : 'ascending';
}
