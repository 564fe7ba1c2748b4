// Re-reading what is on screen without piling up reads: engine events come in
// bursts (every device update of a large update emits), so a request starts a
// read at most once per `gapMs`, never while one is still running, and a
// request made meanwhile is kept for one read after it. Pure (timers only),
// tested in refresh.test.ts.

export class Refresher {
  #running = false;
  #again = false;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly gapMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Reads again soon: at once when the last read started `gapMs` ago, else when it has; one read for many requests. */
  request(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== null) return;
    const wait = Math.max(0, this.#lastStart + this.gapMs - this.now());
    this.#timer = setTimeout(() => void this.#run(), wait);
  }

  /** Reads again now (Reload, new filters); after the read in flight when there is one. */
  async runNow(): Promise<void> {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    await this.#run();
  }

  /** No more reads (the screen is gone). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #run(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#stopped) return;
    this.#running = true;
    this.#lastStart = this.now();
    try {
      await this.work();
    } catch {
      // The work shows its own errors; a failed read does not stop later ones.
    } finally {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    }
  }
}
