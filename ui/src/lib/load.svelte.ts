// The four states of a screen's data (loading, empty, error, data) in one place:
// `busy` from the start, `slow` only once a load has taken 200 ms (show the
// spinner then, not before), the last `error`, and the `data`. A newer `run`
// wins over an older one still in flight.
import { ApiError, toApiError } from './api';

/** How long a load runs before the screen shows that it is loading. */
export const SLOW_MS = 200;

export class Loader<T> {
  data: T | undefined = $state(undefined);
  error: ApiError | null = $state(null);
  busy = $state(false);
  slow = $state(false);
  #latest = 0;

  /**
   * Runs `work` and keeps its answer in `data`. On failure `data` is dropped
   * (so stale rows never pass for an answer) unless `keepOnError`, for loads
   * that only add to what is shown. Resolves to whether it succeeded.
   */
  async run(work: () => Promise<T>, keepOnError = false): Promise<boolean> {
    const call = ++this.#latest;
    this.busy = true;
    this.error = null;
    const timer = setTimeout(() => {
      if (call === this.#latest) this.slow = true;
    }, SLOW_MS);
    try {
      const data = await work();
      if (call === this.#latest) this.data = data;
      return call === this.#latest;
    } catch (e) {
      if (call === this.#latest) {
        this.error = e instanceof ApiError ? e : toApiError(e);
        if (!keepOnError) this.data = undefined;
      }
      return false;
    } finally {
      clearTimeout(timer);
      if (call === this.#latest) {
        this.busy = false;
        this.slow = false;
      }
    }
  }
}
