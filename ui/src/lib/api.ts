// The only place that calls `invoke`: one typed function per Tauri command.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type {
  Activity,
  AgentCheck,
  AppInfo,
  AuditQuery,
  AuditRow,
  CatalogProduct,
  ChainStatus,
  DeviceDetail,
  DeviceImportReport,
  DevicePageDto,
  DeviceQueryDto,
  DeviceRow,
  DeviceUpdateRow,
  DeviceUpdateStatus,
  EngineStatus,
  ErrorCode,
  ImportedVersion,
  LogRow,
  Me,
  ModuleDiffRow,
  NewDeviceDto,
  Role,
  SyncReportDto,
  UpdatePage,
  PlanDeviceColumns,
  SyncProgressDto,
  UpdateQuery,
  UserRow,
  VersionSpreadDto,
} from './bindings';
import { planDeviceRows, type PlanDeviceView } from './planColumns';
import type {
  CalendarItemView,
  CalendarView,
  DowntimeInput,
  IcsExportView,
  IcsImportReportView,
  ItemKind,
  ScopeInput,
} from '../calendar/types';
import type {
  LearnedDurationView,
  PlanCheck,
  PlanInput,
  ProductChoicesView,
  SlotSuggestion,
  TargetInput,
} from '../wizard/types';

// The types of every command's answers and errors are generated from the Rust
// types (src-tauri/src/bindings.rs); re-exported so screens import from here.
export type {
  Activity,
  AgentCheck,
  AppInfo,
  EngineStatus,
  CatalogProduct,
  CatalogVersion,
  DeviceDetail,
  DeviceImportReport,
  DevicePageDto,
  DeviceQueryDto,
  DeviceRow,
  DeviceUpdateRef,
  ImportRowDto,
  ImportedVersion,
  ModuleDiffRow,
  ModuleDto,
  NewDeviceDto,
  ProductModules,
  ProductState,
  Reachability,
  SyncProgressDto,
  SyncReportDto,
  VersionSpreadDto,
  AuditOutcome,
  AuditQuery,
  AuditRow,
  ChainStatus,
  DeviceTargetView,
  DeviceUpdateRow,
  DeviceUpdateStatus,
  ErrorCode,
  LogRow,
  Me,
  Role,
  UpdatePage,
  UpdateQuery,
  UpdateRow,
  UpdateStatus,
  UpdateTargetView,
  UserRow,
} from './bindings';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field the core named (`agent_url`, `rows[3].name`), to show the error there. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Every `ErrorCode`: the type check fails when the generated union gains or loses one. */
const KNOWN_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  not_found: true,
  conflict: true,
  forbidden: true,
  internal: true,
};

function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(KNOWN_CODES, code);
}

/** Turns whatever `invoke` rejected with into an `ApiError`. */
export function toApiError(raw: unknown): ApiError {
  if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
    const { code, message, field } = raw as { code: unknown; message: unknown; field?: unknown };
    if (typeof code === 'string' && isErrorCode(code) && typeof message === 'string') {
      return new ApiError(code, message, typeof field === 'string' ? field : null);
    }
  }
  return new ApiError('internal', typeof raw === 'string' ? raw : 'Unexpected error from the backend');
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toApiError(raw);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** Whether this app's engine carries out updates, or which other process's does. */
export function engineStatus(): Promise<EngineStatus> {
  return call<EngineStatus>('engine_status');
}

/** Calls `handler` when the engine starts here or another process takes the database. */
export function onEngineStatus(handler: (status: EngineStatus) => void): Promise<UnlistenFn> {
  return listen<EngineStatus>('app://engine-status', (e) => handler(e.payload));
}

/** Seeds an empty database with the demo landscape; whether the landscape is the demo now. */
export function openDemo(): Promise<boolean> {
  return call<boolean>('open_demo');
}

/** Whether the app starts at login, in the tray. */
export function autostartEnabled(): Promise<boolean> {
  return call<boolean>('autostart_enabled');
}

/** Turns starting at login on or off; answers whether it is on now. */
export function setAutostart(enabled: boolean): Promise<boolean> {
  return call<boolean>('set_autostart', { enabled });
}

export function quitApp(): Promise<void> {
  return call<void>('quit_app');
}

/** Calls `handler` when quitting needs the user's confirmation; returns an unsubscribe function. */
export function onConfirmQuit(handler: (activity: Activity) => void): Promise<UnlistenFn> {
  return listen<Activity>('app://confirm-quit', (e) => handler(e.payload));
}

/** Calls `handler` when the app is asked to show the update status (the tray's Show item); returns an unsubscribe function. */
export function onShowStatus(handler: () => void): Promise<UnlistenFn> {
  return listen('app://show-status', () => handler());
}

// ---- update status ----

/** One page of updates matching `query`, newest first (`page_len` rows from `offset`; `total` match in all). */
export function listUpdates(query: UpdateQuery): Promise<UpdatePage> {
  return call<UpdatePage>('list_updates', { query });
}

/** Every device update of `update` (all of them, or those in `status`). */
export function updateDevices(update: number, status: DeviceUpdateStatus | null): Promise<DeviceUpdateRow[]> {
  return call<DeviceUpdateRow[]>('update_devices', { update, status });
}

/** Cancels the scheduled and failed (error) device updates of `update`; admins only. How many started cancelling. */
export function cancelUpdate(update: number): Promise<number> {
  return call<number>('cancel_update', { update });
}

/** Cancels one scheduled or failed (error) device update; admins only. */
export function cancelDeviceUpdate(id: string): Promise<void> {
  return call<void>('cancel_device_update', { id });
}

/** The log of one device update, oldest first: what the agent answered and what Rollwright did. */
export function deviceUpdateLog(id: string): Promise<LogRow[]> {
  return call<LogRow[]>('device_update_log', { id });
}

/** Calls `handler` on every change the engine makes; returns an unsubscribe function. */
export function onEngineChange(handler: () => void): Promise<UnlistenFn> {
  return listen('engine://change', () => handler());
}

/** The OS account running the app and its role. */
export function whoami(): Promise<Me> {
  return call<Me>('whoami');
}

/** Users with a recorded role, by name; anyone else is a viewer. */
export function listUsers(): Promise<UserRow[]> {
  return call<UserRow[]>('list_users');
}

/** Gives `name` the role `role`; admins only (else `forbidden`). */
export function grantRole(name: string, role: Role): Promise<void> {
  return call<void>('grant_role', { name, role });
}

/** Takes `name`'s recorded role away, leaving a viewer; admins only. The last admin stays (`conflict`). */
export function revokeRole(name: string): Promise<void> {
  return call<void>('revoke_role', { name });
}

/** One page of the audit log, newest first, at most 200 entries; the next page passes `before: <last seq>`. */
export function auditLog(query: AuditQuery): Promise<AuditRow[]> {
  return call<AuditRow[]>('audit_log', { query });
}

/** Walks the whole hash chain of the audit log. */
export function verifyAudit(): Promise<ChainStatus> {
  return call<ChainStatus>('verify_audit');
}

/** Asks where to save (a native dialog), then writes the entries matching `query` as CSV.
 *  Resolves to the path written, or null when the user cancelled. */
export function exportAuditCsv(query: AuditQuery): Promise<string | null> {
  return call<string | null>('export_audit_csv', { query });
}

/** One page of devices matching `query`, filtered and sorted by the core; `limit` at most 1000. */
export function listDevices(query: DeviceQueryDto): Promise<DevicePageDto> {
  return call<DevicePageDto>('list_devices', { query });
}

/** A device with its modules per product and its update history. */
export function deviceDetail(id: number): Promise<DeviceDetail> {
  return call<DeviceDetail>('device_detail', { id });
}

/** How many devices are configured at and run each version of `product`. */
export function versionSpread(product: string): Promise<VersionSpreadDto> {
  return call<VersionSpreadDto>('version_spread', { product });
}

/** Reads the inventory of the given devices (every device when `ids` is null) from their agents now;
 *  `onProgress` hears how far it got (at the start, every 100 ms at most, at the end). */
export function syncDevices(
  ids: number[] | null,
  onProgress: (p: SyncProgressDto) => void = () => {},
): Promise<SyncReportDto> {
  const progress = new Channel<SyncProgressDto>();
  progress.onmessage = onProgress;
  return call<SyncReportDto>('sync_devices', { ids, onProgress: progress });
}

/** Calls the agent of a device before it is added: who answers and what it runs. Errors name the field to fix. */
export function checkDeviceAgent(device: NewDeviceDto): Promise<AgentCheck> {
  return call<AgentCheck>('check_device_agent', { device });
}

/** Adds a device after its agent answered; admins only. */
export function addDevice(device: NewDeviceDto): Promise<DeviceRow> {
  return call<DeviceRow>('add_device', { device });
}

/** Every product of the catalog with its versions (newest first), release notes and modules. */
export function listCatalog(): Promise<CatalogProduct[]> {
  return call<CatalogProduct[]>('list_catalog');
}

/** The module changes from version `from` to version `to` of `product`. */
export function moduleDiff(product: string, from: string, to: string): Promise<ModuleDiffRow[]> {
  return call<ModuleDiffRow[]>('module_diff', { product, from, to });
}

/** Asks for a manifest file (a native dialog), validates and imports it; admins only. Null when cancelled. */
export function importManifestFile(): Promise<ImportedVersion | null> {
  return call<ImportedVersion | null>('import_manifest_file');
}

/** Asks for a CSV file of devices (a native dialog) and adds them all, or none when any row is invalid:
 *  the report gives every row's fate (`added`, `valid`, `invalid` with field and rule); admins only. Null when cancelled. */
export function importDevicesCsv(): Promise<DeviceImportReport | null> {
  return call<DeviceImportReport | null>('import_devices_csv');
}

/** Sets (`key=value`) and removes (`key`) labels an admin gives a device; admins only. */
export function setDeviceLabels(name: string, set: string[], unset: string[]): Promise<DeviceRow> {
  return call<DeviceRow>('set_device_labels', { name, set, unset });
}

/** Removes a device: `deleted` without update history, `retired` (kept for its history) with it;
 *  refused (`conflict`) while an update of it is unfinished; admins only. */
export function removeDevice(name: string): Promise<'deleted' | 'retired'> {
  return call<'deleted' | 'retired'>('remove_device', { name });
}

// ---- planning calendar (types in ../calendar/types.ts) ----

/** The downtimes, windows and freezes with their occurrences in [from, to) (RFC 3339), the updates there, and the sites. */
export function calendarRange(from: string, to: string): Promise<CalendarView> {
  return call<CalendarView>('calendar_range', { from, to });
}

/** Plans a downtime, window or freeze; admins only. Errors name the field (`from`, `rrule`, `scope.devices[1]` …). */
export function addDowntime(input: DowntimeInput): Promise<CalendarItemView> {
  return call<CalendarItemView>('add_downtime', { input });
}

/** Changes a planned item; admins only. */
export function editDowntime(id: number, input: DowntimeInput): Promise<CalendarItemView> {
  return call<CalendarItemView>('edit_downtime', { id, input });
}

/** Removes a planned item with all its occurrences; admins only. */
export function removeDowntime(id: number): Promise<void> {
  return call<void>('remove_downtime', { id });
}

/** Asks for an .ics file (a native dialog) and imports its events as `kind` for `scope` (floating times in `zone`);
 *  admins only. Null when cancelled, else every event's fate. */
export function importIcs(kind: ItemKind, scope: ScopeInput, zone: string): Promise<IcsImportReportView | null> {
  return call<IcsImportReportView | null>('import_ics', { kind, scope, zone });
}

/** Asks where to save (a native dialog) and writes the plan as .ics. Null when cancelled. */
export function exportIcs(): Promise<IcsExportView | null> {
  return call<IcsExportView | null>('export_ics', {});
}

// ---- update wizard (types in ../wizard/types.ts) ----

/** Every product with the versions an update may go to (only higher than some device has) and the versions run now. */
export function updateChoices(): Promise<ProductChoicesView[]> {
  return call<ProductChoicesView[]>('update_choices', {});
}

/** The devices the chosen products and versions apply to, by name. Errors name the field (`targets[1].version` …). */
export async function planDevices(targets: TargetInput[]): Promise<PlanDeviceView[]> {
  return planDeviceRows(await call<PlanDeviceColumns>('plan_devices', { targets }));
}

/** Checks a plan as Approve would, writing nothing: conflicts per device and the module changes. Refusals name
 *  their field (`title`, `to`, `devices[3].at` …). */
export function checkPlan(plan: PlanInput): Promise<PlanCheck> {
  return call<PlanCheck>('check_plan', { plan });
}

/** The default estimated duration for `products` on `devices` devices, and what it is based on. */
export function learnedDuration(products: string[], devices: number): Promise<LearnedDurationView> {
  return call<LearnedDurationView>('learned_duration', { products, devices });
}

/** The earliest conflict-free window of `minutes` from `earliest` (RFC 3339) for all `devices` (and each one's own). */
export function suggestSlot(devices: number[], minutes: number, earliest: string, perDevice: boolean): Promise<SlotSuggestion> {
  return call<SlotSuggestion>('suggest_slot', { devices, minutes, earliest, perDevice });
}

/** Writes the plan as an update and approves it (configurations first, then deployments); admins only. The new update's id. */
export function approvePlan(plan: PlanInput): Promise<number> {
  return call<number>('approve_plan', { plan });
}
