import { describe, expect, it } from 'vitest';
import { SCREENS, screenFromHash } from './screens';

describe('screenFromHash', () => {
  it('finds every screen by its hash', () => {
    for (const s of SCREENS) expect(screenFromHash(`#/${s.id}`)).toBe(s.id);
  });

  it('has the Users & audit screen', () => {
    expect(screenFromHash('#/access')).toBe('access');
    expect(SCREENS.find((s) => s.id === 'access')?.title).toBe('Users & audit');
  });

  it('names every screen once', () => {
    expect(new Set(SCREENS.map((s) => s.id)).size).toBe(SCREENS.length);
  });

  it('falls back to the calendar', () => {
    expect(screenFromHash('')).toBe('calendar');
    expect(screenFromHash('#/nope')).toBe('calendar');
  });
});
