import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
const listen = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...a: unknown[]) => listen(...a) }));

const api = await import('./api');

describe('the update status commands', () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
    invoke.mockResolvedValue(null);
  });

  it('send their arguments as the backend names them', async () => {
    const query = { status: 'running' as const, product: 'acme-erp', text: null, offset: 50 };
    await api.listUpdates(query);
    await api.updateDevices(7, 'error');
    await api.cancelUpdate(7);
    await api.cancelDeviceUpdate('du-1');
    await api.deviceUpdateLog('du-1');
    expect(invoke.mock.calls).toEqual([
      ['list_updates', { query }],
      ['update_devices', { update: 7, status: 'error' }],
      ['cancel_update', { update: 7 }],
      ['cancel_device_update', { id: 'du-1' }],
      ['device_update_log', { id: 'du-1' }],
    ]);
  });

  it('reject with the core error', async () => {
    invoke.mockRejectedValue({ code: 'forbidden', message: 'only an admin may cancel updates', field: null });
    await expect(api.cancelUpdate(7)).rejects.toMatchObject({ code: 'forbidden', message: 'only an admin may cancel updates' });
  });

  it('listen for the tray asking to show the status', async () => {
    const stop = () => {};
    listen.mockImplementation(async (_name: string, handler: () => void) => {
      handler();
      return stop;
    });
    const shown = vi.fn();
    expect(await api.onShowStatus(shown)).toBe(stop);
    expect(listen.mock.calls[0][0]).toBe('app://show-status');
    expect(shown).toHaveBeenCalledTimes(1);
  });
});
