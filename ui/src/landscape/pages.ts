// The devices table's window onto a list of up to 100,000 devices: which pages
// of rows to fetch for what is on screen, which to keep, and which answers are
// still wanted. Pure, so the paging is tested without a browser (pages.test.ts);
// DeviceTable.svelte fetches, this only decides.

/** Rows per `listDevices` call (the core allows up to 1000). */
export const PAGE_SIZE = 200;

/** Pages kept on either side of those on screen; farther ones are dropped, so memory stays bounded. */
export const KEEP_PAGES = 2;

/** The page that holds row `index`. */
export function pageOf(index: number, size = PAGE_SIZE): number {
  return Math.floor(index / size);
}

/**
 * The pages holding rows `first`..`last` (inclusive, as on screen) widened by
 * `margin` rows either side, within a list of `total` rows; none for an empty
 * list or range.
 */
export function pagesCovering(first: number, last: number, total: number, margin = 0, size = PAGE_SIZE): number[] {
  if (total <= 0 || last < first) return [];
  const from = Math.max(0, first - margin);
  const to = Math.min(total - 1, last + margin);
  if (to < from) return [];
  const pages: number[] = [];
  for (let p = pageOf(from, size); p <= pageOf(to, size); p++) pages.push(p);
  return pages;
}

/**
 * Loaded pages of rows by page number, with the fetches in flight. A reset
 * (new filters or sort) starts a new generation: answers to fetches of an
 * older one are ignored, so rows of another query never show.
 */
export class PageCache<T> {
  #pages = new Map<number, T[]>();
  #inflight = new Map<number, number>();
  #generation = 0;

  constructor(
    readonly size = PAGE_SIZE,
    readonly keep = KEEP_PAGES,
  ) {}

  get generation(): number {
    return this.#generation;
  }

  /** Forgets every page and every fetch in flight. */
  reset(): void {
    this.#generation++;
    this.#pages.clear();
    this.#inflight.clear();
  }

  /** The row at `index`, if its page is loaded. */
  get(index: number): T | undefined {
    return this.#pages.get(pageOf(index, this.size))?.[index % this.size];
  }

  has(page: number): boolean {
    return this.#pages.has(page);
  }

  isLoading(page: number): boolean {
    return this.#inflight.has(page);
  }

  /** Loaded page numbers, ascending. */
  get loaded(): number[] {
    return [...this.#pages.keys()].sort((a, b) => a - b);
  }

  /** Of `pages`, those neither loaded nor being fetched: the ones to fetch. */
  missing(pages: number[]): number[] {
    return pages.filter((p) => !this.#pages.has(p) && !this.#inflight.has(p));
  }

  /** Notes that `page` is being fetched; returns the generation to hand back to `settle`. */
  begin(page: number): number {
    this.#inflight.set(page, this.#generation);
    return this.#generation;
  }

  /**
   * Takes the answer for `page` (null when the fetch failed). Returns whether
   * it was still wanted: false when the cache was reset since `begin`.
   */
  settle(page: number, generation: number, rows: T[] | null): boolean {
    if (generation !== this.#generation) return false;
    if (this.#inflight.get(page) === generation) this.#inflight.delete(page);
    if (rows) this.#pages.set(page, rows);
    return true;
  }

  /** Stores a page fetched outside `begin`/`settle` (the first page of a new query). */
  put(page: number, rows: T[]): void {
    this.#pages.set(page, rows);
  }

  /**
   * Drops the pages farther than `keep` pages from `first`..`last` (the pages
   * on screen); returns the ones dropped.
   */
  evictOutside(first: number, last: number): number[] {
    const dropped: number[] = [];
    for (const p of this.#pages.keys()) {
      if (p < first - this.keep || p > last + this.keep) dropped.push(p);
    }
    for (const p of dropped) this.#pages.delete(p);
    return dropped.sort((a, b) => a - b);
  }

  /** Keeps only `pages` (a reload of what is on screen starts from them). */
  keepOnly(pages: number[]): void {
    const wanted = new Set(pages);
    for (const p of [...this.#pages.keys()]) if (!wanted.has(p)) this.#pages.delete(p);
  }

  /** After the list shrank to `total` rows: drops pages past its end and rows past it in the last page. */
  truncate(total: number): void {
    const lastPage = total > 0 ? pageOf(total - 1, this.size) : -1;
    for (const p of [...this.#pages.keys()]) {
      if (p > lastPage) this.#pages.delete(p);
    }
    const rows = this.#pages.get(lastPage);
    const inLast = total - lastPage * this.size;
    if (rows && rows.length > inLast) this.#pages.set(lastPage, rows.slice(0, inLast));
  }
}
