import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { canAct, whyNot } from './roles';

describe('canAct', () => {
  it('lets only admins act', () => {
    expect(canAct('admin')).toBe(true);
    expect(canAct('viewer')).toBe(false);
    expect(canAct(null)).toBe(false);
    expect(canAct(undefined)).toBe(false);
  });
});

describe('whyNot', () => {
  it('has no reason for an admin', () => {
    expect(whyNot('grant or revoke roles', { name: 'root', role: 'admin' }, null)).toBeNull();
  });

  it('tells a viewer why', () => {
    expect(whyNot('grant or revoke roles', { name: 'ann', role: 'viewer' }, null)).toBe(
      'Only an admin may grant or revoke roles; you are a viewer.',
    );
  });

  it('refuses while the role is unknown', () => {
    expect(whyNot('cancel updates', null, null)).toBe('Only an admin may cancel updates; your role is still being read.');
    expect(whyNot('cancel updates', null, new ApiError('internal', 'db locked'))).toBe(
      'Only an admin may cancel updates; your role could not be read (internal).',
    );
  });
});
