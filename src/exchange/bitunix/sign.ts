import { createHash, randomBytes } from "node:crypto";

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A 32-character hex nonce, as the official demos send (`uuid4().hex`). */
export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

/** A query parameter value as the client accepts it; undefined/null/"" are left out. */
export type QueryValue = string | number | boolean | undefined | null;

/** Drops parameters whose value is undefined, null or empty (they are neither sent nor signed). */
export function cleanQuery(query: Record<string, QueryValue> = {}): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    out.push([k, String(v)]);
  }
  return out;
}

/**
 * The query part of the signed string: parameters sorted by key (ASCII order), each key
 * immediately followed by its raw value, no `=` or `&`: `{uid:200, id:1}` gives `id1uid200`.
 */
export function sortedQueryString(query: Record<string, QueryValue> | [string, string][]): string {
  const pairs = Array.isArray(query) ? query.slice() : cleanQuery(query);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => k + v).join("");
}

/** Inputs of one REST signature. `body` is the exact string sent ("" for GET). */
export interface RestSignInput {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly nonce: string;
  /** Unix ms as sent in the `timestamp` header. */
  readonly timestamp: string;
  /** Output of `sortedQueryString`. */
  readonly queryString: string;
  readonly body: string;
}

/**
 * Bitunix REST signature: `sha256(sha256(nonce + timestamp + apiKey + query + body) + secret)`,
 * lowercase hex (double SHA-256, not HMAC).
 */
export function signRest(input: RestSignInput): string {
  const digest = sha256Hex(
    input.nonce + input.timestamp + input.apiKey + input.queryString + input.body,
  );
  return sha256Hex(digest + input.apiSecret);
}

/**
 * Bitunix WebSocket login signature: the REST scheme with empty query and body,
 * `sha256(sha256(nonce + timestamp + apiKey) + secret)`; timestamp in Unix seconds.
 */
export function signWsLogin(
  apiKey: string,
  apiSecret: string,
  nonce: string,
  timestampSec: number,
): string {
  return sha256Hex(sha256Hex(nonce + String(timestampSec) + apiKey) + apiSecret);
}
