// What the current user may do, in words. Pure, so it is tested without the app;
// screens use it through `session.svelte.ts`.
import type { ApiError, Me, Role } from './api';

/** Whether `role` may change anything (plan, landscape, roles). Only admins may; viewers only look. */
export function canAct(role: Role | null | undefined): boolean {
  return role === 'admin';
}

/**
 * Why the user may not do `what` (a verb phrase such as "grant or revoke roles"),
 * or null when they may. While the role is unknown the answer is "not yet",
 * so an action is never enabled by mistake.
 *
 *     whyNot('grant or revoke roles', { name: 'ann', role: 'viewer' }, null)
 *     // "Only an admin may grant or revoke roles; you are a viewer."
 */
export function whyNot(what: string, me: Me | null, error: ApiError | null): string | null {
  if (me) return canAct(me.role) ? null : `Only an admin may ${what}; you are a viewer.`;
  if (error) return `Only an admin may ${what}; your role could not be read (${error.code}).`;
  return `Only an admin may ${what}; your role is still being read.`;
}
