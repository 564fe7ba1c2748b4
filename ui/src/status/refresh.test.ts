import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Refresher } from './refresh';

describe('Refresher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads at once, then at most once per gap for a burst of requests', async () => {
    let reads = 0;
    const r = new Refresher(async () => void reads++, 500);
    r.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toBe(1);
    for (let i = 0; i < 20; i++) r.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(reads).toBe(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(reads).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(reads).toBe(2);
  });

  it('never overlaps reads, and keeps a request made during one', async () => {
    let running = 0;
    let most = 0;
    let reads = 0;
    const r = new Refresher(async () => {
      running++;
      most = Math.max(most, running);
      reads++;
      await new Promise((ok) => setTimeout(ok, 1000));
      running--;
    }, 500);
    r.request();
    await vi.advanceTimersByTimeAsync(10);
    r.request();
    void r.runNow();
    await vi.advanceTimersByTimeAsync(3000);
    expect(most).toBe(1);
    expect(reads).toBe(2);
  });

  it('keeps reading after a failed read', async () => {
    let reads = 0;
    const r = new Refresher(async () => {
      reads++;
      throw new Error('offline');
    }, 0);
    await r.runNow();
    await r.runNow();
    expect(reads).toBe(2);
  });

  it('stops', async () => {
    let reads = 0;
    const r = new Refresher(async () => void reads++, 500);
    await r.runNow();
    r.request();
    r.stop();
    await vi.advanceTimersByTimeAsync(1000);
    r.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toBe(1);
  });
});
