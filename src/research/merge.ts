/**
 * Checks for merging shard files and resuming a partial results file: the pure rules;
 * the command streams the files through them.
 *
 * @module
 */
import { InputError } from "../core/errors.ts";
import { type SweepManifest } from "./manifest.ts";
import { parseResultLine, type ResultRow } from "./results_csv.ts";
import { type Shard, shardIndex } from "./shard.ts";

/** A shard's manifest and where it was read. */
export interface ShardFile {
  readonly path: string;
  readonly manifest: SweepManifest;
}

/**
 * Orders shard files by shard index, refusing files of different sweeps, a whole sweep,
 * different shard counts, a shard given twice, or missing shards.
 * @returns the files in shard order and the merged (whole) sweep's manifest
 * @throws InputError naming the file or the missing shards
 */
export function checkShardSet(
  files: readonly ShardFile[],
): { readonly ordered: ShardFile[]; readonly manifest: SweepManifest } {
  if (files.length === 0) throw new InputError("optimize merge", "the shard folders or files");
  const first = files[0];
  for (const f of files) {
    const m = f.manifest;
    if (m.shard === null) {
      throw new InputError(f.path, "a shard's results (this is a whole sweep: nothing to merge)");
    }
    if (m.fingerprint !== first.manifest.fingerprint) {
      throw new InputError(
        f.path,
        `a shard of the same sweep as ${first.path} (fingerprint ${
          m.fingerprint.slice(0, 12)
        } is not ${first.manifest.fingerprint.slice(0, 12)}: other inputs)`,
      );
    }
    if (m.shard.count !== first.manifest.shard!.count) {
      throw new InputError(
        f.path,
        `a shard of ${first.manifest.shard!.count} (as ${first.path}), not of ${m.shard.count}`,
      );
    }
  }
  const count = first.manifest.shard!.count;
  const bySlot: (ShardFile | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const f of files) {
    const k = f.manifest.shard!.index;
    if (bySlot[k] !== undefined) {
      throw new InputError(
        f.path,
        `another shard than ${bySlot[k]!.path} (both are ${k}/${count})`,
      );
    }
    bySlot[k] = f;
  }
  const missing = bySlot.flatMap((f, k) => (f === undefined ? [k] : []));
  if (missing.length > 0) {
    throw new InputError(
      "optimize merge",
      `all ${count} shards of the sweep (missing: ${
        missing.slice(0, 20).map((k) => `${k}/${count}`).join(", ")
      }${missing.length > 20 ? ", ..." : ""})`,
    );
  }
  return {
    ordered: bySlot as ShardFile[],
    manifest: { ...first.manifest, shard: null },
  };
}

/**
 * Reads a results file's rows one line at a time and checks that they are the shard's
 * first rows in order (what a sweep writes, also when it was stopped).
 */
export class RowSequence {
  readonly #shard: Shard;
  readonly #axes: number;
  readonly #path: string;
  #position = 0;

  constructor(path: string, shard: Shard, axes: number) {
    this.#path = path;
    this.#shard = shard;
    this.#axes = axes;
  }

  /** Rows accepted so far. */
  get rows(): number {
    return this.#position;
  }

  /**
   * Checks the next row's line (without newline), `lineNo` counted from 1.
   * @throws InputError naming the file and line when it is not the next row
   */
  accept(line: string, lineNo: number): ResultRow {
    const where = `${this.#path} line ${lineNo}`;
    const row = parseResultLine(line, this.#axes, where);
    const expected = shardIndex(this.#shard, this.#position);
    if (row.index !== expected) {
      throw new InputError(where, `the row of combination ${expected} (got ${row.index})`);
    }
    this.#position++;
    return row;
  }
}
