// Colour means one thing everywhere: each meaning names its CSS custom
// properties (defined once, in app.css under "palette"), and screens take the
// class or the colour from here rather than writing a colour of their own.
// Colour is never the only signal: every badge carries its word.
import type { DeviceUpdateStatus, LogRow, Reachability, UpdateStatus } from './api';

/** The badge class of each reach state (`.badge.reach-…` in app.css, from `--reach-…` properties). */
export const REACH_CLASS: Record<Reachability, string> = {
  reachable: 'reach-reachable',
  unreachable: 'reach-unreachable',
  identity_mismatch: 'reach-mismatch',
  unknown: 'reach-unknown',
};

/** The badge class of each device update status (`.badge.du-…`, from `--du-…` properties). */
export const DEVICE_UPDATE_CLASS: Record<DeviceUpdateStatus, string> = {
  scheduled: 'du-scheduled',
  configuring: 'du-configuring',
  configured: 'du-configured',
  deploying: 'du-deploying',
  succeeded: 'du-succeeded',
  error: 'du-error',
  cancelling: 'du-cancelling',
  cancelled: 'du-cancelled',
};

/**
 * The badge (and progress bar) class of each update status: an update is
 * coloured as its device updates are in that phase (scheduled, deploying,
 * succeeded, error, cancelled), so one colour keeps one meaning.
 */
export const UPDATE_STATUS_CLASS: Record<UpdateStatus, string> = {
  scheduled: 'du-scheduled',
  running: 'du-deploying',
  succeeded: 'du-succeeded',
  failed: 'du-error',
  cancelled: 'du-cancelled',
};

/** The badge class of each level of a device update's log (`.badge.log-…`, from `--log-…` properties). */
export const LOG_LEVEL_CLASS: Record<LogRow['level'], string> = {
  info: 'log-info',
  warn: 'log-warn',
  error: 'log-error',
};

/** The badge class of each row status of a device import (`.badge.import-…`, from `--import-…` properties). */
export const IMPORT_ROW_CLASS: Record<'added' | 'valid' | 'invalid', string> = {
  added: 'import-added',
  valid: 'import-valid',
  invalid: 'import-invalid',
};

/** The badge class of a label in the label editor: a change, coloured as module changes are (`.badge.diff-…`). */
export const LABEL_EDIT_CLASS: Record<'new' | 'changed' | 'removed', string> = {
  new: 'diff-added',
  changed: 'diff-modified',
  removed: 'diff-removed',
};

/** What the planning calendar colours: the four kinds of planned item and the three phases of an update. */
export type CalendarMeaning =
  | 'planned'
  | 'unplanned'
  | 'window'
  | 'freeze'
  | 'update_scheduled'
  | 'update_running'
  | 'update_finished';

/**
 * The colour of each calendar meaning: the custom property of its fill
 * (`--cal-planned`), with `-fg` (text and edge) beside it in app.css; the
 * classes `.cal-kind-<meaning>` apply both to calendar items and legend
 * swatches. The calendar's legend is generated from this map, so it lists
 * every colour there is. Updates use the device-update status colours of their
 * phase (scheduled, deploying, succeeded).
 */
export const CALENDAR_KIND: Record<CalendarMeaning, string> = {
  planned: '--cal-planned',
  unplanned: '--cal-unplanned',
  window: '--cal-window',
  freeze: '--cal-freeze',
  update_scheduled: '--cal-update-scheduled',
  update_running: '--cal-update-running',
  update_finished: '--cal-update-finished',
};

/** The class that gives an element the colours of a calendar meaning (`.cal-kind-planned` in app.css). */
export function calendarKindClass(meaning: CalendarMeaning): string {
  return `cal-kind-${meaning}`;
}

/** Series colours for charts, which draw on a canvas and so need the colour itself. */
export const SERIES = {
  configured: '--spread-configured',
  deployed: '--spread-deployed',
  grid: '--line',
  text: '--muted',
} as const;

/** The value of a palette custom property (`--spread-deployed`) as the page styles it now. */
export function cssColour(property: string, fallback = '#888'): string {
  if (typeof document === 'undefined') return fallback;
  const value = getComputedStyle(document.documentElement).getPropertyValue(property).trim();
  return value || fallback;
}
