// The planning calendar's command contract, generated from the Rust types
// (src-tauri/src/dto/calendar.rs → lib/bindings.ts) and named here as the
// calendar's code reads them.
export type {
  CalendarItemView,
  CalendarUpdateView,
  CalendarView,
  DowntimeInput,
  IcsEventView,
  IcsExportView,
  IcsImportReportView,
  ItemKind,
  OccurrenceView,
  ScopeInput,
  ScopeView,
} from '../lib/bindings';
export type { UpdatePhaseView as UpdatePhase } from '../lib/bindings';
