// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.

export type ErrorCode = "invalid_input" | "not_found" | "conflict" | "forbidden" | "internal";

export type IpcError = { code: ErrorCode, message: string, };

export type UpdateStatus = "scheduled" | "running" | "succeeded" | "failed" | "cancelled";

export type DeviceUpdateStatus = "scheduled" | "configuring" | "configured" | "deploying" | "succeeded" | "error" | "cancelling" | "cancelled";

export type AppInfo = { version: string, db_path: string, schema_version: number, 
/**
 * Where agent tokens are kept (the OS keyring or the encrypted file).
 */
secrets: string, 
/**
 * The demo fleet's URL on loopback, when the landscape is the demo.
 */
demo_fleet: string | null, };

export type UpdateRow = { id: number, title: string, product: string, version: string, created_by: string, status: UpdateStatus, progress: number, devices: number, counts: { [key in DeviceUpdateStatus]?: number }, window_from: string, 
/**
 * The actual end once finished, else the estimate.
 */
end: string, end_is_actual: boolean, };

export type Activity = { running: number, waiting: number, };

export type Role = "admin" | "viewer";

export type AuditOutcome = "done" | "refused" | "failed";

export type Me = { name: string, role: Role, };

export type UserRow = { name: string, role: Role, granted_by: string, granted_at: string, };

export type AuditQuery = { actor: string | null, 
/**
 * An action's audit name, e.g. `update.create`.
 */
action: string | null, outcome: AuditOutcome | null, text: string | null, 
/**
 * Only entries older than this sequence number (the next page).
 */
before: number | null, };

export type AuditRow = { seq: number, at: string, actor: string, role: Role, action: string, objects: string, outcome: AuditOutcome, detail: string, hash: string, };

export type ChainStatus = { entries: number, head_seq: number | null, head_hash: string | null, 
/**
 * The first entry that does not fit, and why; none when intact.
 */
broken_seq: number | null, broken_reason: string | null, };
