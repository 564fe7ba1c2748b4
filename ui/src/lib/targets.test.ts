import { describe, expect, it } from 'vitest';
import { targetsWords } from './targets';

describe('targetsWords', () => {
  it('names each product with its version, in order', () => {
    expect(
      targetsWords([
        { product: 'acme-erp', version: '2.4.0' },
        { product: 'edge-gateway', version: '1.2.0' },
      ]),
    ).toBe('acme-erp 2.4.0, edge-gateway 1.2.0');
    expect(targetsWords([])).toBe('');
  });
});
