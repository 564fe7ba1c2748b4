// The update wizard's command contract, generated from the Rust types
// (src-tauri/src/dto/wizard.rs → lib/bindings.ts) and named here as the
// wizard's code reads them.
export type {
  ChangeSetsView,
  ConflictView,
  DeployChoice,
  DeviceSlotView,
  LearnedDurationView,
  ModuleOpView,
  PlanCheck,
  PlanDeviceInput,
  PlanInput,
  ProductChangesView,
  ProductChoicesView,
  RunningCount,
  SlotSuggestion,
  SlotView,
  TargetInput,
  VersionChoiceView,
} from '../lib/bindings';
export type { PlanDeviceView, PlanTargetView } from '../lib/planColumns';
