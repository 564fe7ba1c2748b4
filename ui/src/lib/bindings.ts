// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.

export type ErrorCode = "invalid_input" | "not_found" | "conflict" | "forbidden" | "internal";

export type IpcError = { code: ErrorCode, message: string, 
/**
 * The input field the error is about (`agent_url`, `rows[3].name`), so
 * the screen can show it there.
 */
field: string | null, };

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
demo_fleet: string | null, 
/**
 * Devices in the landscape; none means a first start (the welcome screen).
 */
devices: number, };

export type TargetView = { product: string, version: string, };

export type UpdateQuery = { status: UpdateStatus | null, product: string | null, text: string | null, offset: number, };

export type UpdateTargetView = { product: string, version: string, 
/**
 * What its devices ran before, lowest first.
 */
from: Array<string>, };

export type UpdateRow = { id: number, title: string, targets: Array<UpdateTargetView>, created_by: string, status: UpdateStatus, progress: number, devices: number, counts: { [key in DeviceUpdateStatus]?: number }, approved: boolean, window_from: string, 
/**
 * The planned (estimated) end.
 */
window_to: string, actual_start: string | null, 
/**
 * Replaces `window_to` once the update finished.
 */
actual_end: string | null, };

export type UpdatePage = { rows: Array<UpdateRow>, 
/**
 * How many updates match the query in all.
 */
total: number, offset: number, page_len: number, 
/**
 * When the page was read (RFC 3339).
 */
read_at: string, };

export type DeviceTargetView = { product: string, version: string, previous_configured: string | null, previous_deployed: string | null, };

export type DeviceUpdateRow = { id: string, device: string, site: string | null, 
/**
 * `config_only`, `now` or `at`.
 */
option: string, 
/**
 * The deploy time of `at`.
 */
at: string | null, status: DeviceUpdateStatus, progress: number, actual_start: string | null, actual_end: string | null, tries: number, targets: Array<DeviceTargetView>, log_entries: number, };

export type LogLevel = "info" | "warn" | "error";

export type LogSource = "agent" | "rollwright";

export type LogRow = { at: string, level: LogLevel, source: LogSource, code: string, message: string, detail: string | null, };

export type Activity = { running: number, waiting: number, };

export type EngineStatus = { running_here: boolean, 
/**
 * "process 4242 (rollwright-cli) since …", while another holds it.
 */
holder: string | null, };

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

export type Reachability = "unknown" | "reachable" | "unreachable" | "identity_mismatch";

export type DeviceQueryDto = { text: string | null, 
/**
 * `key=value`, all must match.
 */
labels: Array<string>, product: string | null, version: string | null, 
/**
 * `unknown`, `reachable`, `unreachable` or `identity_mismatch`.
 */
reach: string | null, drifted: boolean, 
/**
 * `name`, `last_seen` or `latency`.
 */
sort: string | null, descending: boolean, offset: number, limit: number, };

export type ProductState = { product: string, configured: string | null, deployed: string | null, 
/**
 * Configured at one version, running another.
 */
drifted: boolean, };

export type DeviceUpdateRef = { update: number, device_update: string, title: string, 
/**
 * The update's products that applied to the device.
 */
targets: Array<TargetView>, option: string, status: DeviceUpdateStatus, window_from: string, window_to: string, actual_end: string | null, };

export type DeviceRow = { id: number, name: string, agent_url: string, 
/**
 * What it goes by: the agent's labels with the admin's on top.
 */
labels: { [key in string]: string }, 
/**
 * The labels an admin set.
 */
admin_labels: { [key in string]: string }, reach: Reachability, last_seen: string | null, last_sync: string | null, latency_ms: number | null, last_error: string | null, agent_id: string | null, 
/**
 * The identity the agent at its address reports instead, when flagged.
 */
reported_id: string | null, products: Array<ProductState>, last_update: DeviceUpdateRef | null, };

export type DevicePageDto = { 
/**
 * Devices matching the query in all.
 */
total: number, offset: number, devices: Array<DeviceRow>, };

export type ModuleDto = { name: string, version: string, };

export type ProductModules = { product: string, modules: Array<ModuleDto>, };

export type DeviceDetail = { device: DeviceRow, modules: Array<ProductModules>, history: Array<DeviceUpdateRef>, };

export type VersionCountDto = { version: string, configured: number, deployed: number, };

export type VersionSpreadDto = { product: string, 
/**
 * Newest first.
 */
versions: Array<VersionCountDto>, 
/**
 * Devices that have the product at all.
 */
devices: number, };

export type SyncFailureDto = { device: string, error: string, };

export type SyncReportDto = { devices: number, reached: number, unreachable: number, mismatched: number, changed: number, failures: Array<SyncFailureDto>, };

export type SyncProgressDto = { devices: number, written: number, };

export type NewDeviceDto = { name: string, agent_url: string, agent_token: string, tls_fingerprint: string | null, 
/**
 * `key=value`.
 */
labels: Array<string>, };

export type AgentCheck = { agent_id: string, labels: { [key in string]: string }, products: Array<ProductState>, modules: Array<ProductModules>, };

export type CatalogVersion = { version: string, release_notes: string, modules: Array<ModuleDto>, };

export type CatalogProduct = { product: string, 
/**
 * Newest first.
 */
versions: Array<CatalogVersion>, };

export type ModuleDiffRow = { name: string, 
/**
 * `added`, `removed` or `modified`.
 */
change: string, from: string | null, to: string | null, };

export type ImportedVersion = { product: string, version: string, 
/**
 * False when the same manifest was imported before.
 */
new: boolean, };

export type ImportRowDto = { 
/**
 * Counted from 0 after the header, as in `rows[i]`.
 */
row: number, line: number, name: string, 
/**
 * `added`, `valid` (fine, but not added: another row was not) or `invalid`.
 */
status: string, field: string | null, rule: string | null, };

export type DeviceImportReport = { added: number, rows: Array<ImportRowDto>, };

export type ItemKind = "planned" | "unplanned" | "window" | "freeze";

export type UpdatePhaseView = "scheduled" | "running" | "finished";

export type ScopeView = { "scope": "all" } | { "scope": "label", key: string, value: string, } | { "scope": "devices", devices: Array<number>, names: Array<string>, };

export type OccurrenceView = { from: string, to: string, };

export type CalendarItemView = { id: number, kind: ItemKind, title: string, 
/**
 * The first occurrence.
 */
first_from: string, first_to: string, 
/**
 * IANA name.
 */
zone: string, rrule: string | null, recurrence_words: string | null, exdates: Array<string>, scope: ScopeView, scope_words: string, 
/**
 * Those in the range asked for.
 */
occurrences: Array<OccurrenceView>, };

export type CalendarUpdateView = { id: number, title: string, targets: Array<TargetView>, from: string, 
/**
 * The actual end once finished, else the planned end.
 */
to: string, planned_to: string, phase: UpdatePhaseView, devices: number, sites: Array<string>, };

export type CalendarView = { items: Array<CalendarItemView>, updates: Array<CalendarUpdateView>, 
/**
 * Every site of the fleet, for the calendar's rows.
 */
sites: Array<string>, };

export type ScopeInput = { "scope": "all" } | { "scope": "label", key: string, value: string, } | { "scope": "devices", names: Array<string>, };

export type DowntimeInput = { kind: ItemKind, title: string, from: string, to: string, zone: string, rrule: string | null, exdates: Array<string>, scope: ScopeInput, };

export type IcsEventView = { index: number, uid: string | null, summary: string | null, imported: boolean, reason: string | null, item_id: number | null, };

export type IcsImportReportView = { file: string, imported: number, skipped: number, events: Array<IcsEventView>, };

export type IcsExportView = { path: string, items: number, updates: number, };

export type VersionChoiceView = { version: string, 
/**
 * Devices that could take it.
 */
eligible: number, };

export type RunningCount = { 
/**
 * `None`: configured, not running the product yet.
 */
version: string | null, devices: number, };

export type ProductChoicesView = { product: string, 
/**
 * Only versions some device is below, newest first.
 */
versions: Array<VersionChoiceView>, 
/**
 * How many devices run which version now, newest first.
 */
running: Array<RunningCount>, };

export type TargetInput = { product: string, version: string, };

export type PlanTarget = { product: string, version: string, };

export type PlanDeviceColumns = { targets: Array<PlanTarget>, 
/**
 * The versions `configured` and `deployed` point into.
 */
versions: Array<string>, 
/**
 * The states `reach` points into.
 */
reach_states: Array<Reachability>, ids: Array<number>, names: Array<string>, 
/**
 * Per device, its labels as `[key, value, key, value, …]`.
 */
labels: Array<Array<string>>, reach: Array<number>, 
/**
 * Milliseconds since the epoch.
 */
last_seen: Array<number | null>, 
/**
 * An update the device is part of that has not finished on it.
 */
unfinished: Array<number | null>, 
/**
 * Per target, per device: an index into `versions`, or -1 for none.
 */
configured: Array<Array<number>>, deployed: Array<Array<number>>, 
/**
 * Per target, per device: [`TAKES`], [`CONFIGURED_OLDER`], [`DEPLOYED_OLDER`].
 */
flags: Array<Array<number>>, };

export type DeployChoice = "config_only" | "now" | "at";

export type PlanDeviceInput = { id: number, option: DeployChoice, 
/**
 * RFC 3339; for `at` only.
 */
at: string | null, };

export type PlanInput = { targets: Array<TargetInput>, title: string, 
/**
 * RFC 3339.
 */
from: string, 
/**
 * The estimated end, RFC 3339.
 */
to: string, devices: Array<PlanDeviceInput>, };

export type ConflictView = { device: number, 
/**
 * `item`, `update` or `outside_windows`.
 */
with: string, 
/**
 * The downtime, window or freeze, or the update, it meets.
 */
title: string | null, words: string, from: string, to: string, };

export type LearnedDurationView = { minutes: number, 
/**
 * Finished updates it is the median of; 0 for the fixed default.
 */
based_on: number, basis: string, };

export type SlotView = { from: string, to: string, };

export type SlotSuggestion = { together: SlotView | null, per_device: Array<DeviceSlotView>, };

export type DeviceSlotView = { device: number, slot: SlotView | null, };

export type ModuleOpView = { 
/**
 * `added`, `removed` or `modified`.
 */
op: string, module: string, 
/**
 * The version it had (removed, modified).
 */
from: string | null, 
/**
 * The version it gets (added, modified).
 */
to: string | null, };

export type ProductChangesView = { product: string, from: string | null, to: string, ops: Array<ModuleOpView>, };

export type ChangeSetsView = { sets: Array<Array<ProductChangesView>>, devices: Array<[number, number]>, };

export type PlanCheck = { 
/**
 * Each device's conflicts over its own time (the window, or from its
 * deploy time to the window's end).
 */
conflicts: Array<ConflictView>, changes: ChangeSetsView, };
