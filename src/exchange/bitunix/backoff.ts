/** Retry policy for Bitunix calls. */
export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  readonly maxAttempts: number;
  /** Delay before the 2nd attempt, before jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of any single delay. */
  readonly maxDelayMs: number;
  /** Minimum delay after a rate-limit answer (10005/10006/HTTP 429). */
  readonly rateLimitDelayMs: number;
}

/** Defaults: 4 attempts, 250 ms doubling to at most 5 s, at least 1 s after rate limiting. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  rateLimitDelayMs: 1_000,
};

/**
 * Delay before retry number `retry` (1 = first retry): exponential, capped, with "equal
 * jitter" (half fixed, half random) so parallel clients spread out. `random` returns [0,1).
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  random: () => number,
  rateLimited = false,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const floor = rateLimited ? Math.min(policy.maxDelayMs, policy.rateLimitDelayMs) : 0;
  const base = Math.max(exp, floor);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}
