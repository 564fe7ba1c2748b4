// Everything the wizard holds, above its steps: Back and Next keep all that
// was entered, and so does leaving the screen and coming back (the state is
// kept until an update is approved). Nothing is written before Approve: the
// commands called here only read, check, or (Reload) re-read inventory.
//
// Large answers (10,000 devices, their checks) are kept in `$state.raw` and
// replaced, never changed in place, so no row is wrapped in a proxy.
import {
  ApiError,
  approvePlan,
  checkPlan,
  learnedDuration,
  planDevices,
  suggestSlot,
  toApiError,
  updateChoices,
  type SyncProgressDto,
  type SyncReportDto,
} from '../lib/api';
import { Loader } from '../lib/load.svelte';
import { targetsWords } from '../lib/targets';
import { browserZone } from '../calendar/times';
import { picksFor, productsBlocked, targetsKey, targetsOf, type Picks } from './choice';
import {
  NO_FILTER,
  devicesBlocked,
  indexDevices,
  keepListed,
  selectedInOrder,
  type DeviceFilter,
  type DeviceIndex,
} from './devices';
import {
  addMinutes,
  buildPlan,
  defaultFrom,
  deploymentBlocked,
  instant,
  moveWindow,
  placeError,
  placeWords,
  planState,
  windowMinutes,
  type DeviceChoice,
  type ErrorPlace,
  type WindowForm,
} from './plan';
import type { LearnedDurationView, PlanCheck, PlanDeviceView, PlanInput, ProductChoicesView } from './types';

export type Step = 'products' | 'devices' | 'deployment' | 'finalize';

export const STEPS: readonly { id: Step; title: string }[] = [
  { id: 'products', title: 'Products' },
  { id: 'devices', title: 'Devices' },
  { id: 'deployment', title: 'Deployment' },
  { id: 'finalize', title: 'Finalize' },
];

/** How long the plan waits after a change before it is checked. */
export const CHECK_DELAY_MS = 400;
/** The window's length while no learned duration is known. */
const FALLBACK_MINUTES = 60;

export class Wizard {
  readonly zone = browserZone();
  step: Step = $state('products');

  // ---- products ----
  readonly choices = new Loader<ProductChoicesView[]>();
  picks: Picks = $state({});
  readonly targets = $derived(targetsOf(this.choices.data ?? [], this.picks));
  readonly targetsKey = $derived(targetsKey(this.targets));

  // ---- devices ----
  devices: PlanDeviceView[] = $state.raw([]);
  index: DeviceIndex = $state.raw(indexDevices([]));
  /** The targets (`targetsKey`) the list was read for; null before the first read. */
  devicesFor: string | null = $state(null);
  listBusy = $state(false);
  listSlow = $state(false);
  listError: ApiError | null = $state.raw(null);
  /** When the list was last read. */
  devicesReadAt: Date | null = $state(null);
  #listCall = 0;
  selected: Set<number> = $state.raw(new Set());
  filter: DeviceFilter = $state({ ...NO_FILTER });
  readonly selectedIds = $derived(selectedInOrder(this.devices, this.selected));
  /** Whether Reload is re-reading the listed devices from their agents, how far it got, and what came back. */
  syncing = $state(false);
  syncProgress: SyncProgressDto | null = $state.raw(null);
  syncReport: SyncReportDto | null = $state.raw(null);
  syncError: ApiError | null = $state.raw(null);

  // ---- deployment ----
  form: WindowForm = $state({ title: '', from: '', to: '' });
  titleTouched = $state(false);
  toTouched = $state(false);
  options: Map<number, DeviceChoice> = $state.raw(new Map());
  /** Rows picked for a bulk change of their option. */
  bulk: Set<number> = $state.raw(new Set());
  learned: LearnedDurationView | null = $state.raw(null);
  learnedError: ApiError | null = $state.raw(null);
  #learnedFor = '';
  readonly plan: PlanInput = $derived(buildPlan(this.targets, this.form, this.selectedIds, this.options, this.zone));
  readonly planKey = $derived(JSON.stringify(this.plan));
  check: PlanCheck | null = $state.raw(null);
  checkError: ApiError | null = $state.raw(null);
  /** The plan the last answer was for, and its key. */
  checkedPlan: PlanInput | null = $state.raw(null);
  checkedKey = $state('');
  checking = $state(false);
  #checkCall = 0;
  readonly planState = $derived(
    planState(this.checkedKey === '' || this.checking || this.checkedKey !== this.planKey, this.checkError, this.check),
  );
  readonly errorPlace: ErrorPlace | null = $derived(
    this.checkError && this.checkedPlan ? placeError(this.checkError.field, this.checkedPlan) : null,
  );

  // ---- why each step's Next waits ----
  readonly productsBlocked = $derived(productsBlocked(this.choices.data, this.picks));
  readonly devicesBlocked = $derived(
    devicesBlocked(this.selected.size, this.devicesFor === this.targetsKey && !this.listBusy),
  );
  readonly deploymentBlocked = $derived(
    deploymentBlocked(this.planState, this.checkError, this.errorPlace ? placeWords(this.errorPlace, (id) => this.nameOf(id)) : null),
  );

  /** Why step `step` cannot be opened yet (an earlier step is not done), or null. */
  blockedBefore(step: Step): string | null {
    // Each step's reason is only worked out when the steps before it are done.
    const before = STEPS.findIndex((s) => s.id === step);
    if (before > 0 && this.productsBlocked) return this.productsBlocked;
    if (before > 1 && this.devicesBlocked) return this.devicesBlocked;
    if (before > 2 && this.deploymentBlocked) return this.deploymentBlocked;
    return null;
  }

  nameOf = (id: number): string | undefined => {
    const i = this.index.position.get(id);
    return i === undefined ? undefined : this.devices[i]?.name;
  };

  // ---- products ----

  async loadChoices(): Promise<void> {
    const ok = await this.choices.run(updateChoices);
    if (ok && this.choices.data) this.picks = picksFor(this.choices.data, this.picks);
  }

  // ---- devices ----

  /** Reads the devices the chosen targets apply to; the selection keeps the devices still listed. */
  async loadDevices(): Promise<boolean> {
    const targets = this.targets;
    const key = this.targetsKey;
    const call = ++this.#listCall;
    this.listBusy = true;
    this.listError = null;
    const timer = setTimeout(() => {
      if (call === this.#listCall) this.listSlow = true;
    }, 200);
    try {
      const devices = await planDevices(targets);
      performance.mark('wizard-devices-answer');
      if (call !== this.#listCall) return false;
      const index = indexDevices(devices);
      this.index = index;
      this.devices = devices;
      this.devicesFor = key;
      this.devicesReadAt = new Date();
      this.selected = keepListed(this.selected, index);
      this.bulk = keepListed(this.bulk, index);
      return true;
    } catch (e) {
      if (call === this.#listCall) {
        this.listError = e instanceof ApiError ? e : toApiError(e);
        // Devices of other targets must not pass for an answer to these.
        if (this.devicesFor !== key) {
          this.devices = [];
          this.index = indexDevices([]);
          this.devicesFor = null;
        }
      }
      return false;
    } finally {
      clearTimeout(timer);
      if (call === this.#listCall) {
        this.listBusy = false;
        this.listSlow = false;
      }
    }
  }

  // ---- deployment ----

  /** Fills in what step Deployment starts with: a title from the targets, from now on, and `to` from the duration. */
  prepareDeployment(now = new Date()): void {
    if (!this.titleTouched) this.form.title = targetsWords(this.targets);
    if (this.form.from === '' || !instant(this.form.from, this.zone)) this.form.from = defaultFrom(now, this.zone);
    if (!this.toTouched) this.form.to = addMinutes(this.form.from, this.learned?.minutes ?? FALLBACK_MINUTES, this.zone);
    this.bulk = new Set([...this.bulk].filter((id) => this.selected.has(id)));
    // Checked again on entry: the calendar may have changed since.
    this.checkedKey = '';
  }

  setTitle(title: string): void {
    this.form.title = title;
    this.titleTouched = true;
  }

  /** A new start; `to` follows it by the estimated duration until someone sets it. */
  setFrom(from: string): void {
    const length = windowMinutes(this.form.from, this.form.to, this.zone);
    this.form.from = from;
    if (!this.toTouched) this.form.to = addMinutes(from, this.learned?.minutes ?? FALLBACK_MINUTES, this.zone);
    else if (length !== null && length > 0 && this.form.to === '') this.form.to = addMinutes(from, length, this.zone);
  }

  setTo(to: string): void {
    this.form.to = to;
    this.toTouched = true;
  }

  /** The estimated duration for the targets' products on the selected devices; sets `to` when nobody did. */
  async loadLearned(): Promise<void> {
    const products = this.targets.map((t) => t.product);
    const devices = this.selected.size;
    const key = `${products.join(',')}|${devices}`;
    if (products.length === 0 || key === this.#learnedFor) return;
    this.#learnedFor = key;
    try {
      const learned = await learnedDuration(products, devices);
      if (key !== this.#learnedFor) return;
      this.learned = learned;
      this.learnedError = null;
      if (!this.toTouched) this.form.to = addMinutes(this.form.from, learned.minutes, this.zone);
    } catch (e) {
      if (key !== this.#learnedFor) return;
      this.#learnedFor = '';
      this.learnedError = e instanceof ApiError ? e : toApiError(e);
    }
  }

  /** Checks the plan as it is now, unless a newer check started meanwhile. */
  async runCheck(): Promise<void> {
    const plan = this.plan;
    const key = this.planKey;
    const call = ++this.#checkCall;
    this.checking = true;
    try {
      const check = await checkPlan(plan);
      if (call !== this.#checkCall) return;
      this.check = check;
      this.checkError = null;
    } catch (e) {
      if (call !== this.#checkCall) return;
      this.check = null;
      this.checkError = e instanceof ApiError ? e : toApiError(e);
    } finally {
      if (call === this.#checkCall) {
        this.checkedPlan = plan;
        this.checkedKey = key;
        this.checking = false;
      }
    }
  }

  /**
   * Asks for the earliest conflict-free window of the window's length for the
   * selected devices, from the window's start (or now, when that is past), and
   * moves the window there. Resolves to whether one was found.
   */
  async suggest(now = new Date()): Promise<{ found: boolean; minutes: number }> {
    const length = windowMinutes(this.form.from, this.form.to, this.zone);
    const minutes = length !== null && length > 0 ? length : (this.learned?.minutes ?? FALLBACK_MINUTES);
    const from = instant(this.form.from, this.zone);
    const earliest = from && from > now ? from : now;
    const answer = await suggestSlot(this.selectedIds, minutes, earliest.toISOString(), false);
    if (!answer.together) return { found: false, minutes };
    const form = length !== null && length > 0 ? this.form : { ...this.form, to: addMinutes(this.form.from, minutes, this.zone) };
    const moved = moveWindow(form, this.options, answer.together.from, this.zone);
    this.form.from = moved.form.from;
    this.form.to = moved.form.to;
    this.toTouched = true;
    this.options = moved.choices;
    return { found: true, minutes };
  }

  approving = $state(false);
  approveError: ApiError | null = $state.raw(null);

  /** Writes the plan as an update and approves it: the new update's id, or null (the error is in `approveError`). */
  async approve(): Promise<number | null> {
    if (this.approving) return null;
    this.approving = true;
    this.approveError = null;
    try {
      return await approvePlan(this.plan);
    } catch (e) {
      this.approveError = e instanceof ApiError ? e : toApiError(e);
      return null;
    } finally {
      this.approving = false;
    }
  }
}

let kept: Wizard | null = null;

/** The wizard's state, kept while the admin visits other screens. */
export function currentWizard(): Wizard {
  return (kept ??= new Wizard());
}

/** Starts over (after an update was approved). */
export function forgetWizard(): void {
  kept = null;
}
