/** Injected time source and sleeper for the limiter (tests pass simulated ones). */
export interface LimiterTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Token bucket: holds up to `capacity` tokens, refilled at `ratePerSec`. In any one-second
 * window it lets through at most `capacity + ratePerSec` calls, so choosing the two to sum
 * to the venue limit keeps the client under it.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly capacity: number,
    readonly ratePerSec: number,
    private readonly time: LimiterTime,
  ) {
    if (!(capacity >= 1) || !(ratePerSec > 0)) {
      throw new RangeError("TokenBucket needs capacity >= 1 and ratePerSec > 0");
    }
    this.#tokens = capacity;
    this.#last = time.now();
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Waits until a token is free and takes it. Callers are served in order. */
  acquire(): Promise<void> {
    const next = this.#chain.then(() => this.#take());
    this.#chain = next.catch(() => {});
    return next;
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.#tokens) / this.ratePerSec) * 1000);
      await this.time.sleep(Math.max(1, waitMs));
    }
  }

  #refill(): void {
    const now = this.time.now();
    const dt = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.capacity, this.#tokens + (dt / 1000) * this.ratePerSec);
  }
}

/** Rate-limit classes of Bitunix endpoints. */
export type BucketName = "market" | "private" | "cancel";

/** Documented per-second limits: market 10/s per IP, private 10/s per UID, cancel/batch 5/s. */
export const BITUNIX_LIMITS: Readonly<Record<BucketName, number>> = {
  market: 10,
  private: 10,
  cancel: 5,
};

/**
 * One bucket per limit class, sized so that burst + refill stays at or under the
 * documented per-second limit (burst 20 % of the limit, refill the rest).
 */
export function createBitunixLimiters(time: LimiterTime): Record<BucketName, TokenBucket> {
  const make = (limit: number) => {
    const burst = Math.max(1, Math.round(limit * 0.2));
    return new TokenBucket(burst, limit - burst, time);
  };
  return {
    market: make(BITUNIX_LIMITS.market),
    private: make(BITUNIX_LIMITS.private),
    cancel: make(BITUNIX_LIMITS.cancel),
  };
}
