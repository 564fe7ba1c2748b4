import { describe, expect, it } from 'vitest';
import { KEEP_PAGES, PAGE_SIZE, PageCache, pageOf, pagesCovering } from './pages';

const rows = (page: number, n = PAGE_SIZE) => Array.from({ length: n }, (_, i) => page * PAGE_SIZE + i);

describe('pagesCovering', () => {
  it('finds the page of a row', () => {
    expect(pageOf(0)).toBe(0);
    expect(pageOf(PAGE_SIZE - 1)).toBe(0);
    expect(pageOf(PAGE_SIZE)).toBe(1);
    expect(pageOf(99_999)).toBe(499);
  });

  it('covers the rows on screen, widened by the margin, within the list', () => {
    expect(pagesCovering(0, 20, 100_000)).toEqual([0]);
    expect(pagesCovering(190, 215, 100_000)).toEqual([0, 1]);
    expect(pagesCovering(250, 270, 100_000, 100)).toEqual([0, 1]);
    expect(pagesCovering(50_000, 50_020, 100_000, 100)).toEqual([249, 250]);
  });

  it('stops at both ends of the list', () => {
    expect(pagesCovering(0, 10, 100_000, 500)).toEqual([0, 1, 2]);
    expect(pagesCovering(99_980, 99_999, 100_000, 500)).toEqual([497, 498, 499]);
    expect(pagesCovering(0, 30, 12, 100)).toEqual([0]);
  });

  it('needs no page for an empty list or range', () => {
    expect(pagesCovering(0, 10, 0)).toEqual([]);
    expect(pagesCovering(10, 5, 1000)).toEqual([]);
    expect(pagesCovering(2000, 2010, 1000)).toEqual([]);
  });
});

describe('PageCache', () => {
  it('serves rows of the loaded pages only', () => {
    const c = new PageCache<number>();
    c.put(1, rows(1));
    expect(c.get(PAGE_SIZE)).toBe(PAGE_SIZE);
    expect(c.get(2 * PAGE_SIZE - 1)).toBe(2 * PAGE_SIZE - 1);
    expect(c.get(0)).toBeUndefined();
    expect(c.get(2 * PAGE_SIZE)).toBeUndefined();
  });

  it('fetches each missing page once', () => {
    const c = new PageCache<number>();
    c.put(0, rows(0));
    expect(c.missing([0, 1, 2])).toEqual([1, 2]);
    const g = c.begin(1);
    expect(c.isLoading(1)).toBe(true);
    expect(c.missing([0, 1, 2])).toEqual([2]);
    expect(c.settle(1, g, rows(1))).toBe(true);
    expect(c.isLoading(1)).toBe(false);
    expect(c.missing([0, 1, 2])).toEqual([2]);
  });

  it('fetches a failed page again', () => {
    const c = new PageCache<number>();
    const g = c.begin(3);
    expect(c.settle(3, g, null)).toBe(true);
    expect(c.missing([3])).toEqual([3]);
  });

  it('ignores answers to a query that was replaced', () => {
    const c = new PageCache<number>();
    const old = c.begin(4);
    c.reset();
    expect(c.missing([4])).toEqual([4]);
    const fresh = c.begin(4);
    expect(c.settle(4, old, rows(4).map((r) => -r))).toBe(false);
    expect(c.get(4 * PAGE_SIZE)).toBeUndefined();
    expect(c.isLoading(4)).toBe(true);
    expect(c.settle(4, fresh, rows(4))).toBe(true);
    expect(c.get(4 * PAGE_SIZE)).toBe(4 * PAGE_SIZE);
  });

  it('keeps only the pages near the viewport, so memory stays bounded', () => {
    const c = new PageCache<number>();
    for (let p = 0; p < 40; p++) c.put(p, rows(p));
    expect(c.evictOutside(20, 21)).toEqual([
      ...Array.from({ length: 20 - KEEP_PAGES }, (_, i) => i),
      ...Array.from({ length: 40 - 22 - KEEP_PAGES }, (_, i) => 22 + KEEP_PAGES + i),
    ]);
    expect(c.loaded).toEqual([18, 19, 20, 21, 22, 23]);
    // However far one scrolls, at most the pages on screen plus KEEP_PAGES either side stay.
    for (let p = 0; p < 500; p++) {
      c.put(p, rows(p));
      c.evictOutside(p, p);
      expect(c.loaded.length).toBeLessThanOrEqual(1 + 2 * KEEP_PAGES);
    }
  });

  it('keeps only the pages on screen for a reload', () => {
    const c = new PageCache<number>();
    for (let p = 0; p < 6; p++) c.put(p, rows(p));
    c.keepOnly([2, 3]);
    expect(c.loaded).toEqual([2, 3]);
  });

  it('drops rows past the end when the list shrinks', () => {
    const c = new PageCache<number>();
    for (let p = 0; p < 3; p++) c.put(p, rows(p));
    c.truncate(PAGE_SIZE + 10);
    expect(c.loaded).toEqual([0, 1]);
    expect(c.get(PAGE_SIZE + 9)).toBe(PAGE_SIZE + 9);
    expect(c.get(PAGE_SIZE + 10)).toBeUndefined();
    c.truncate(0);
    expect(c.loaded).toEqual([]);
  });
});
