// Keyboard movement in a virtualized table: which row a key moves the focus
// to, for the landscape's device table and the wizard's tables alike.

/** The row `key` moves to from row `index` of `count` (`pageRows` rows in view), clamped; null for any other key. */
export function rowKeyTarget(key: string, index: number, count: number, pageRows: number): number | null {
  if (count === 0) return null;
  const page = Math.max(1, pageRows);
  const to: Record<string, number> = {
    ArrowDown: index + 1,
    ArrowUp: index - 1,
    PageDown: index + page,
    PageUp: index - page,
    Home: 0,
    End: count - 1,
  };
  if (!(key in to)) return null;
  return Math.min(count - 1, Math.max(0, to[key]));
}

/** Rows in view by a virtualizer's range; 10 before it has one. */
export function rowsInView(range: { startIndex: number; endIndex: number } | null | undefined): number {
  return range ? Math.max(1, range.endIndex - range.startIndex) : 10;
}
