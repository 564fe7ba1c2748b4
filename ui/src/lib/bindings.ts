// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.

export type ErrorCode = "invalid_input" | "not_found" | "conflict" | "internal";

export type IpcError = { code: ErrorCode, message: string, };

export type UpdateStatus = "scheduled" | "running" | "succeeded" | "failed" | "cancelled";

export type DeviceUpdateStatus = "scheduled" | "configuring" | "configured" | "deploying" | "succeeded" | "error" | "cancelling" | "cancelled";

export type AppInfo = { version: string, db_path: string, schema_version: number, 
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
