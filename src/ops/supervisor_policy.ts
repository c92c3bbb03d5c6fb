/** Options of a {@link RestartPolicy}. */
export interface RestartPolicyOptions {
  /** Delay before the first restart in a window, ms. */
  readonly baseDelayMs: number;
  /** Largest delay the doubling may reach, ms (never below `baseDelayMs`). */
  readonly maxDelayMs: number;
  /** Restarts allowed within `windowMs`; one more failure gives up. */
  readonly maxRestarts: number;
  /** Sliding window for counting restarts, ms. */
  readonly windowMs: number;
}

/** What to do after a child failed. */
export type RestartDecision =
  | { readonly action: "restart"; readonly delayMs: number; readonly restartsInWindow: number }
  | { readonly action: "give-up"; readonly restartsInWindow: number };

/**
 * Crash-loop guard of the supervisor: exponential backoff between restarts
 * (`base * 2^k` where k = restarts already in the window, capped) and a cap of
 * `maxRestarts` restarts within a sliding `windowMs`. Pure: time is passed in.
 */
export class RestartPolicy {
  readonly #opts: RestartPolicyOptions;
  #restarts: number[] = [];

  constructor(options: RestartPolicyOptions) {
    this.#opts = options;
  }

  /** Records a failure at `now` and decides whether (and after how long) to restart. */
  onFailure(now: number): RestartDecision {
    const { baseDelayMs, maxDelayMs, maxRestarts, windowMs } = this.#opts;
    this.#restarts = this.#restarts.filter((t) => now - t < windowMs);
    const k = this.#restarts.length;
    if (k >= maxRestarts) return { action: "give-up", restartsInWindow: k };
    this.#restarts.push(now);
    const delayMs = Math.min(baseDelayMs * 2 ** k, Math.max(maxDelayMs, baseDelayMs));
    return { action: "restart", delayMs, restartsInWindow: k + 1 };
  }
}
