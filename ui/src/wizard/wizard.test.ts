import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHOICES, DEVICES } from './fixtures';

const api = vi.hoisted(() => ({
  updateChoices: vi.fn(),
  planDevices: vi.fn(),
  checkPlan: vi.fn(),
  learnedDuration: vi.fn(),
  suggestSlot: vi.fn(),
  approvePlan: vi.fn(),
}));

vi.mock('../lib/api', async (original) => ({ ...(await original<typeof import('../lib/api')>()), ...api }));

const { Wizard } = await import('./wizard.svelte');
const { ApiError } = await import('../lib/api');
const { pick } = await import('./choice');
const { setChoice } = await import('./plan');

async function ready() {
  const wiz = new Wizard();
  await wiz.loadChoices();
  wiz.picks = pick(CHOICES, wiz.picks, 'acme-erp', { include: true });
  await wiz.loadDevices();
  return wiz;
}

beforeEach(() => {
  for (const f of Object.values(api)) f.mockReset();
  api.updateChoices.mockResolvedValue(CHOICES);
  api.planDevices.mockResolvedValue(DEVICES);
  api.learnedDuration.mockResolvedValue({ minutes: 90, based_on: 3, basis: 'the median of 3 updates' });
});

describe('Wizard', () => {
  it('waits at each step for what it needs, saying why', async () => {
    const wiz = new Wizard();
    expect(wiz.blockedBefore('devices')).toMatch(/being read/);
    await wiz.loadChoices();
    expect(wiz.blockedBefore('devices')).toBe('Choose at least one product to update.');
    wiz.picks = pick(CHOICES, wiz.picks, 'acme-erp', { include: true });
    expect(wiz.blockedBefore('devices')).toBeNull();
    expect(wiz.blockedBefore('deployment')).toMatch(/being read/);
    await wiz.loadDevices();
    expect(api.planDevices).toHaveBeenCalledWith([{ product: 'acme-erp', version: '2.4.0' }]);
    expect(wiz.blockedBefore('deployment')).toBe('Select at least one device to update.');
    wiz.selected = new Set([2, 3]);
    expect(wiz.blockedBefore('deployment')).toBeNull();
    expect(wiz.blockedBefore('finalize')).toMatch(/being checked/);
  });

  it('keeps the selection of devices still listed when the list is read again', async () => {
    const wiz = await ready();
    wiz.selected = new Set([1, 3]);
    api.planDevices.mockResolvedValue(DEVICES.slice(0, 2));
    await wiz.loadDevices();
    expect([...wiz.selected]).toEqual([1]);
  });

  it('fills the deployment in: a title from the targets, `to` from the learned duration until set by hand', async () => {
    const wiz = await ready();
    wiz.selected = new Set([1, 2]);
    wiz.prepareDeployment(new Date('2026-11-28T21:02:00Z'));
    expect(wiz.form.title).toBe('acme-erp 2.4.0');
    await wiz.loadLearned();
    expect(api.learnedDuration).toHaveBeenCalledWith(['acme-erp'], 2);
    const minutes = () => (new Date(wiz.plan.to).getTime() - new Date(wiz.plan.from).getTime()) / 60_000;
    expect(minutes()).toBe(90);
    wiz.setFrom(wiz.form.from.replace(/T\d\d/, 'T03'));
    expect(minutes()).toBe(90);
    wiz.setTo(wiz.form.from.replace(/T\d\d/, 'T05'));
    wiz.setFrom(wiz.form.from.replace(/T\d\d/, 'T04'));
    expect(minutes()).toBe(60);
  });

  it('checks the plan, and maps a refusal naming a device back to its row', async () => {
    const wiz = await ready();
    wiz.selected = new Set([1, 2, 3]);
    wiz.prepareDeployment();
    wiz.options = setChoice(wiz.options, [3], { option: 'at', at: '' });
    api.checkPlan.mockRejectedValue({ code: 'invalid_input', message: 'must give the time to deploy at', field: 'devices[2].at' });
    await wiz.runCheck();
    expect(wiz.planState).toBe('refused');
    expect(wiz.errorPlace).toEqual({ at: 'device', field: 'devices[2].at', device: 3, index: 2 });
    expect(wiz.checkError).toBeInstanceOf(ApiError);
    expect(wiz.blockedBefore('finalize')).toBe('The plan is refused at the row of gw-munich-1: see the message there.');

    api.checkPlan.mockResolvedValue({ conflicts: [], changes: { sets: [], devices: [] } });
    wiz.options = setChoice(wiz.options, [3], { option: 'now' });
    expect(wiz.planState).toBe('checking');
    await wiz.runCheck();
    expect(wiz.planState).toBe('clear');
    expect(wiz.blockedBefore('finalize')).toBeNull();
    expect(api.checkPlan.mock.calls[1][0].devices).toEqual([
      { id: 1, option: 'now', at: null },
      { id: 2, option: 'now', at: null },
      { id: 3, option: 'now', at: null },
    ]);
  });

  it('moves the window to a suggested slot, keeping its length', async () => {
    const wiz = await ready();
    wiz.selected = new Set([1, 2]);
    const now = new Date('2026-11-28T21:00:00Z');
    wiz.prepareDeployment(now);
    wiz.setTo(wiz.form.from.replace(/T(\d\d):\d\d/, (_, h) => `T${String(Number(h) + 2).padStart(2, '0')}:05`));
    const from = wiz.plan.from;
    expect(from).toBe('2026-11-28T21:05:00.000Z');
    api.suggestSlot.mockResolvedValue({ together: { from: '2026-11-29T03:00:30Z', to: '2026-11-29T05:00:30Z' }, per_device: [] });
    const r = await wiz.suggest(now);
    expect(r).toEqual({ found: true, minutes: 120 });
    // From the window's start when it is ahead, else from now.
    expect(api.suggestSlot).toHaveBeenCalledWith([1, 2], 120, from, false);
    await wiz.suggest(new Date('2026-11-30T00:00:00Z'));
    expect(api.suggestSlot.mock.calls[1][2]).toBe('2026-11-30T00:00:00.000Z');
    expect(wiz.plan.from).toBe('2026-11-29T03:01:00.000Z');
    expect(wiz.plan.to).toBe('2026-11-29T05:01:00.000Z');

    api.suggestSlot.mockResolvedValue({ together: null, per_device: [] });
    expect(await wiz.suggest(now)).toEqual({ found: false, minutes: 120 });
    expect(wiz.plan.from).toBe('2026-11-29T03:01:00.000Z');
  });

  it('approves the plan and says why not when the core refuses', async () => {
    const wiz = await ready();
    wiz.selected = new Set([1]);
    api.approvePlan.mockResolvedValue(42);
    expect(await wiz.approve()).toBe(42);
    api.approvePlan.mockRejectedValue({ code: 'forbidden', message: 'only an admin may approve updates', field: null });
    expect(await wiz.approve()).toBeNull();
    expect(wiz.approveError?.code).toBe('forbidden');
  });
});
