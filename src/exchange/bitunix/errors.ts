import { DEFAULT_BITUNIX_BASE_URL } from "../../config/env.ts";

/** How a failed Bitunix call may be handled. */
export type BitunixErrorKind =
  | "network"
  | "timeout"
  | "http"
  | "api"
  | "malformed"
  | "schema"
  | "config";

/**
 * Codes the venue uses for transient trouble: `1` "Network Error" and `2` "System error"
 * (both seen live, outside the documented list), 10001 network error, and rate limiting.
 */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 10001, 10005, 10006]);

/** Rate-limit codes (10005 too many requests, 10006 request too frequently). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([10005, 10006]);

/**
 * Codes under which the venue refuses a request `timestamp` outside its window: the fake
 * and one source answer 10002 "Parameter error: ...timestamp...", others list 10004
 * "Timestamp expired" (the SDK's list gives 10004 to the IP whitelist instead).
 */
export const CLOCK_REFUSAL_CODES: ReadonlySet<number> = new Set([10002, 10004]);

/**
 * True when a refusal is about the request's `timestamp`: code 10002 or 10004 with a
 * message that speaks of the timestamp, of expiry or of a time window.
 */
export function isClockRefusal(code: number | undefined, msg: string): boolean {
  return code !== undefined && CLOCK_REFUSAL_CODES.has(code) &&
    /time ?stamp|expired|time ?window|recv ?window/i.test(msg);
}

/** Venue code for a client id that was already used. */
export const DUPLICATE_CLIENT_ID_CODE = 30042;

/** True when an API error code is worth retrying (1, 2, 10001, 10005, 10006); all others are fatal. */
export function isRetryableCode(code: number): boolean {
  return RETRYABLE_CODES.has(code);
}

/** True when an HTTP status is worth retrying (5xx and 429). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** What a network failure or timeout adds to its message: where to look. */
export const CONNECTIVITY_HINT =
  "; the venue could not be reached: check the internet connection, and BITUNIX_BASE_URL " +
  `if it is set (default ${DEFAULT_BITUNIX_BASE_URL})`;

/**
 * A failed Bitunix call. The message names the endpoint and the cause, e.g.
 * `Bitunix place_order failed: 10007 Signature Error (fatal)`, and never contains a
 * credential or signature. A network failure or timeout adds {@link CONNECTIVITY_HINT}.
 */
export class BitunixError extends Error {
  constructor(
    /** Endpoint name, e.g. `place_order`. */
    readonly endpoint: string,
    readonly kind: BitunixErrorKind,
    /** Human cause without the endpoint, e.g. `10007 Signature Error`. */
    readonly cause_: string,
    readonly retryable: boolean,
    /** Venue error code for `api` errors. */
    readonly code?: number,
    /** HTTP status for `http` errors. */
    readonly status?: number,
    /** Attempts made when the error is final after retries. */
    readonly attempts = 1,
  ) {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    super(
      `Bitunix ${endpoint} failed${tries}: ${cause_} (${retryable ? "retryable" : "fatal"})` +
        (kind === "network" || kind === "timeout" ? CONNECTIVITY_HINT : ""),
    );
    this.name = "BitunixError";
  }

  /** The same error, marked with the number of attempts made. */
  withAttempts(attempts: number): BitunixError {
    return new BitunixError(
      this.endpoint,
      this.kind,
      this.cause_,
      this.retryable,
      this.code,
      this.status,
      attempts,
    );
  }
}

/** True when `e` is a BitunixError. */
export function isBitunixError(e: unknown): e is BitunixError {
  return e instanceof Error && e.name === "BitunixError";
}
