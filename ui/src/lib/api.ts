// The only place that calls `invoke`: one typed function per Tauri command.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

/** Error codes the backend sends, mirrored from `src-tauri/src/error.rs`. */
export type ErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'forbidden' | 'internal';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KNOWN_CODES: readonly string[] = ['invalid_input', 'not_found', 'conflict', 'forbidden', 'internal'];

/** Turns whatever `invoke` rejected with into an `ApiError`. */
export function toApiError(raw: unknown): ApiError {
  if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
    const { code, message } = raw as { code: unknown; message: unknown };
    if (typeof code === 'string' && KNOWN_CODES.includes(code) && typeof message === 'string') {
      return new ApiError(code as ErrorCode, message);
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

export interface AppInfo {
  version: string;
  db_path: string;
  schema_version: number;
  /** The demo fleet's URL on loopback, when the landscape is the demo. */
  demo_fleet: string | null;
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

export function quitApp(): Promise<void> {
  return call<void>('quit_app');
}

/** What the engine is doing when the user asks to quit from the tray. */
export interface Activity {
  running: number;
  waiting: number;
}

/** Calls `handler` when quitting needs the user's confirmation; returns an unsubscribe function. */
export function onConfirmQuit(handler: (activity: Activity) => void): Promise<UnlistenFn> {
  return listen<Activity>('app://confirm-quit', (e) => handler(e.payload));
}

export type UpdateStatus = 'scheduled' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type DeviceUpdateStatus =
  | 'scheduled'
  | 'configuring'
  | 'configured'
  | 'deploying'
  | 'succeeded'
  | 'error'
  | 'cancelling'
  | 'cancelled';

export interface UpdateRow {
  id: number;
  title: string;
  product: string;
  version: string;
  created_by: string;
  status: UpdateStatus;
  progress: number;
  devices: number;
  counts: Partial<Record<DeviceUpdateStatus, number>>;
  window_from: string;
  /** The actual end once finished, else the estimate. */
  end: string;
  end_is_actual: boolean;
}

export function listUpdates(): Promise<UpdateRow[]> {
  return call<UpdateRow[]>('list_updates');
}

/** Calls `handler` on every change the engine makes; returns an unsubscribe function. */
export function onEngineChange(handler: () => void): Promise<UnlistenFn> {
  return listen('engine://change', () => handler());
}
