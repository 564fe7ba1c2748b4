import { describe, expect, it } from 'vitest';
import { rowKeyTarget, rowsInView } from './rowKeys';

describe('rowKeyTarget', () => {
  it('moves by one, by a page, or to either end, and stays inside the table', () => {
    expect(rowKeyTarget('ArrowDown', 3, 10, 4)).toBe(4);
    expect(rowKeyTarget('ArrowUp', 0, 10, 4)).toBe(0);
    expect(rowKeyTarget('PageDown', 8, 10, 4)).toBe(9);
    expect(rowKeyTarget('PageUp', 5, 10, 4)).toBe(1);
    expect(rowKeyTarget('Home', 5, 10, 4)).toBe(0);
    expect(rowKeyTarget('End', 5, 10, 4)).toBe(9);
  });

  it('ignores other keys and empty tables', () => {
    expect(rowKeyTarget('a', 1, 10, 4)).toBeNull();
    expect(rowKeyTarget('ArrowDown', 0, 0, 4)).toBeNull();
  });

  it('counts the rows in view, ten before the virtualizer knows', () => {
    expect(rowsInView({ startIndex: 20, endIndex: 35 })).toBe(15);
    expect(rowsInView(null)).toBe(10);
  });
});
