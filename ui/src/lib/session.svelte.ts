// Who is using the app and in which role: read once at start, re-read when
// roles change. Every screen uses it to disable what a viewer may not do:
//
//     import { deniedReason } from '../lib/session.svelte';
//     const denied = $derived(deniedReason('cancel updates'));
//     <button disabled={!!denied} title={denied ?? undefined}>Cancel</button>
//
// Disabled, never hidden, and the title says why. The backend checks the role
// again on every action (a refusal comes back as the `forbidden` error code).
import { ApiError, toApiError, whoami, type Me } from './api';
import { canAct, whyNot } from './roles';

export { canAct } from './roles';

/** The current user (`me`), or why it is unknown (`error`); reactive. */
export const session: { me: Me | null; error: ApiError | null; loading: boolean } = $state({
  me: null,
  error: null,
  loading: false,
});

let latest = 0;

/** Reads the current user and role from the backend; call again after roles change. */
export async function loadSession(): Promise<void> {
  const call = ++latest;
  session.loading = true;
  try {
    const me = await whoami();
    if (call !== latest) return;
    session.me = me;
    session.error = null;
  } catch (e) {
    if (call !== latest) return;
    session.error = e instanceof ApiError ? e : toApiError(e);
  } finally {
    if (call === latest) session.loading = false;
  }
}

/** Whether the current user may change things (is an admin); false while unknown. */
export function isAdmin(): boolean {
  return canAct(session.me?.role);
}

/**
 * Why the current user may not do `what`, or null when they may; reactive when
 * read in a template or `$derived`. Use it as `disabled={!!reason}` and
 * `title={reason}`. `what` completes "Only an admin may …".
 */
export function deniedReason(what: string): string | null {
  return whyNot(what, session.me, session.error);
}
