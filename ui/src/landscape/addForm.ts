// The Add device form as typed, turned into what the core checks, and the
// core's errors mapped back to the input they name. Pure, tested in
// addForm.test.ts. The rules themselves (what a valid label or URL is) live in
// the core; this only splits and maps, so they have one home.
import type { NewDeviceDto } from '../lib/api';

/** The form's inputs, as typed. */
export interface AddForm {
  name: string;
  agentUrl: string;
  token: string;
  fingerprint: string;
  labels: string;
}

export const EMPTY_FORM: AddForm = { name: '', agentUrl: '', token: '', fingerprint: '', labels: '' };

/** The inputs an error can point at, by the core's field name. */
export type AddField = 'name' | 'agent_url' | 'agent_token' | 'tls_fingerprint' | 'labels';

/**
 * Labels typed as `key=value`, separated by commas or new lines; blanks and
 * the spaces around each are dropped. `"site=berlin, env=prod\nrole=gw"` →
 * `["site=berlin", "env=prod", "role=gw"]`. Each is checked by the core.
 */
export function parseLabels(text: string): string[] {
  return text
    .split(/[,\n\r]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Whether the URL is an `https://` one, which needs the certificate's fingerprint. */
export function needsFingerprint(url: string): boolean {
  return /^https:\/\//i.test(url.trim());
}

/** What the core is sent: the fingerprint only for an `https://` agent, labels split. */
export function toNewDevice(form: AddForm): NewDeviceDto {
  const fingerprint = form.fingerprint.trim();
  return {
    name: form.name.trim(),
    agent_url: form.agentUrl.trim(),
    agent_token: form.token,
    tls_fingerprint: needsFingerprint(form.agentUrl) && fingerprint !== '' ? fingerprint : null,
    labels: parseLabels(form.labels),
  };
}

/**
 * The input the core's error field names: `labels[2]` and `labels.site` are
 * the Labels input. Null for a field the form has no input for.
 */
export function fieldOf(field: string | null): AddField | null {
  if (!field) return null;
  const base = field.split(/[[.]/, 1)[0];
  switch (base) {
    case 'name':
    case 'agent_url':
    case 'agent_token':
    case 'tls_fingerprint':
    case 'labels':
      return base;
    default:
      return null;
  }
}

/** Which label an error is about: `labels[2]` → 2; null for any other field. */
export function labelIndex(field: string | null): number | null {
  const m = /^labels\[(\d+)\]$/.exec(field ?? '');
  return m ? Number(m[1]) : null;
}

/** The message to show at the Labels input: which label (as typed) the core refused, and why. */
export function labelMessage(field: string | null, message: string, labels: string[]): string {
  const i = labelIndex(field);
  if (i === null || i >= labels.length) return message;
  return `Label ${i + 1} (${labels[i]}): ${message}`;
}
