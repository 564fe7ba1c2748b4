import { describe, expect, it } from 'vitest';
import { SCREENS, screenFromHash } from './screens';

describe('screenFromHash', () => {
  it('finds every screen by its hash', () => {
    for (const s of SCREENS) expect(screenFromHash(`#/${s.id}`)).toBe(s.id);
  });

  it('falls back to the calendar', () => {
    expect(screenFromHash('')).toBe('calendar');
    expect(screenFromHash('#/nope')).toBe('calendar');
  });
});
