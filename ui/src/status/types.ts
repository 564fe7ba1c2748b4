// What the status screen's dialogs are opened on.
import type { DeviceUpdateRow, UpdateRow } from '../lib/api';

/** What a Cancel button asks to cancel: a whole update, or one device update of it. */
export type CancelTarget = { kind: 'update'; update: UpdateRow } | { kind: 'device'; update: UpdateRow; row: DeviceUpdateRow };

/** The device update whose log is open, and the update it belongs to. */
export interface LogTarget {
  update: UpdateRow;
  row: DeviceUpdateRow;
}
