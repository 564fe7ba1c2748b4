import { describe, expect, it } from 'vitest';
import { choosable, eligibleWords, pick, picksFor, productsBlocked, runningWords, targetsKey, targetsOf } from './choice';
import { CHOICES } from './fixtures';

describe('picksFor', () => {
  it('starts at the newest offered version, nothing included', () => {
    expect(picksFor(CHOICES)).toEqual({
      'acme-erp': { include: false, version: '2.4.0' },
      'edge-gateway': { include: false, version: '1.2.0' },
      vision: { include: false, version: '' },
    });
  });

  it('keeps what was chosen while its version is still offered', () => {
    const before = { 'acme-erp': { include: true, version: '2.3.5' }, 'edge-gateway': { include: true, version: '1.1.9' } };
    const p = picksFor(CHOICES, before);
    expect(p['acme-erp']).toEqual({ include: true, version: '2.3.5' });
    expect(p['edge-gateway']).toEqual({ include: false, version: '1.2.0' });
  });
});

describe('pick', () => {
  const start = picksFor(CHOICES);

  it('includes and excludes', () => {
    const on = pick(CHOICES, start, 'acme-erp', { include: true });
    expect(on['acme-erp']).toEqual({ include: true, version: '2.4.0' });
    expect(pick(CHOICES, on, 'acme-erp', { include: false })['acme-erp'].include).toBe(false);
  });

  it('takes only offered versions, and choosing one includes the product', () => {
    const v = pick(CHOICES, start, 'acme-erp', { version: '2.3.5' });
    expect(v['acme-erp']).toEqual({ include: true, version: '2.3.5' });
    expect(pick(CHOICES, v, 'acme-erp', { version: '2.2.0' })['acme-erp'].version).toBe('2.3.5');
    expect(pick(CHOICES, v, 'acme-erp', { version: '1.0.0', include: true })['acme-erp'].version).toBe('2.3.5');
  });

  it('never includes a product without versions, nor an unknown one', () => {
    expect(pick(CHOICES, start, 'vision', { include: true })).toBe(start);
    expect(pick(CHOICES, start, 'nope', { include: true })).toBe(start);
    expect(choosable(CHOICES[2])).toBe(false);
  });
});

describe('targetsOf', () => {
  it('lists included products at offered versions, in catalog order', () => {
    let p = picksFor(CHOICES);
    p = pick(CHOICES, p, 'edge-gateway', { include: true });
    p = pick(CHOICES, p, 'acme-erp', { include: true });
    expect(targetsOf(CHOICES, p)).toEqual([
      { product: 'acme-erp', version: '2.4.0' },
      { product: 'edge-gateway', version: '1.2.0' },
    ]);
    expect(targetsKey(targetsOf(CHOICES, p))).toBe('acme-erp@2.4.0,edge-gateway@1.2.0');
  });

  it('drops a forged pick of a lower or unoffered version', () => {
    const p = { 'acme-erp': { include: true, version: '2.3.0' }, vision: { include: true, version: '2.0.0' } };
    expect(targetsOf(CHOICES, p)).toEqual([]);
  });
});

describe('productsBlocked', () => {
  it('says why Next is disabled', () => {
    expect(productsBlocked(undefined, {})).toMatch(/being read/);
    expect(productsBlocked([], {})).toMatch(/no products/);
    expect(productsBlocked([CHOICES[2]], picksFor([CHOICES[2]]))).toMatch(/newest version/);
    expect(productsBlocked(CHOICES, picksFor(CHOICES))).toBe('Choose at least one product to update.');
    expect(productsBlocked(CHOICES, pick(CHOICES, picksFor(CHOICES), 'acme-erp', { include: true }))).toBeNull();
  });
});

describe('words', () => {
  it('counts devices per running version', () => {
    expect(runningWords(CHOICES[0].running)).toBe('12 run 2.3.0 · 3 run 2.4.0');
    expect(runningWords([{ version: null, devices: 1 }])).toBe('1 configured, not running it yet');
    expect(runningWords([])).toBe('no device has it');
    expect(eligibleWords(1)).toBe('1 device could take it');
    expect(eligibleWords(1200)).toBe('1,200 devices could take it');
  });
});
