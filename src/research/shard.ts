/**
 * Deterministic shards of a sweep: shard `index` of `count` (0-based, like a Kubernetes
 * Indexed Job's `JOB_COMPLETION_INDEX`) runs the combinations whose index modulo `count`
 * is `index`. Every shard gets every `count`-th combination, so cheap and costly regions
 * of a grid spread evenly.
 *
 * @module
 */
import { InputError } from "../core/errors.ts";

/** One shard of a sweep (0 <= index < count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole sweep as one shard. */
export const WHOLE: Shard = Object.freeze({ index: 0, count: 1 });

/** Most shards of one sweep. */
export const MAX_SHARDS = 10_000;

function wholeNumber(text: string): number | null {
  return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : null;
}

/**
 * Parses `K/N` (K in 0..N-1).
 * @param where how errors name the input (`--shard`, `JOB_COMPLETION_INDEX`)
 * @throws InputError naming the input and what was expected
 */
export function parseShard(text: string, where = "--shard"): Shard {
  const m = /^([^/]*)\/([^/]*)$/.exec(text.trim());
  const k = m ? wholeNumber(m[1]) : null;
  const n = m ? wholeNumber(m[2]) : null;
  if (k === null || n === null || n < 1 || n > MAX_SHARDS) {
    throw new InputError(
      `${where} '${text}'`,
      `K/N with N in 1..${MAX_SHARDS} and K in 0..N-1 (0-based, like JOB_COMPLETION_INDEX)`,
    );
  }
  if (k >= n) {
    throw new InputError(`${where} '${text}'`, `K in 0..${n - 1} (0-based; got K=${k})`);
  }
  return { index: k, count: n };
}

/**
 * The shard whose index is in an environment variable's value (`JOB_COMPLETION_INDEX`)
 * out of `count` shards.
 * @throws InputError naming the variable when it is unset or not in 0..count-1
 */
export function shardFromEnv(name: string, value: string | undefined, count: number): Shard {
  if (value === undefined || value.trim() === "") {
    throw new InputError(
      `environment variable ${name}`,
      `this shard's index in 0..${count - 1} (set by a Kubernetes Indexed Job)`,
    );
  }
  return parseShard(`${value}/${count}`, `${name}=${value} with --shard-from-env ${count}`);
}

/** Number of the sweep's `size` combinations in `shard`. */
export function shardSize(size: number, shard: Shard): number {
  return shard.index >= size ? 0 : Math.floor((size - 1 - shard.index) / shard.count) + 1;
}

/** Index of the `position`-th combination (0-based) of `shard`. */
export function shardIndex(shard: Shard, position: number): number {
  return shard.index + position * shard.count;
}
