/**
 * `sweep.json`: what a sweep is (its inputs and their fingerprint, the number of
 * combinations, the shard), written before the first result. A re-run with the same
 * fingerprint resumes; a folder holding another fingerprint is refused; merge accepts
 * only shard files of one fingerprint. No times inside: the same inputs give the same
 * bytes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { CandleSeries } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import { OBJECTIVE_NAMES } from "../config/optimize_config.ts";
import type { Axis, Search } from "./param_space.ts";
import { BOUNDS } from "./results_csv.ts";
import type { Shard } from "./shard.ts";

/** The candles a sweep ran on: how to load them again, and their hash. */
export interface CandleFacts {
  readonly source: "mock" | "csv" | "bitunix";
  /** CSV path as given. */
  readonly csv: string | null;
  /** Candles asked for (`--backtest`); null: all the CSV holds. */
  readonly requested: number | null;
  readonly mock_seed: number | null;
  readonly symbol: string;
  /** Interval asked for; null: detected from the CSV. */
  readonly interval: string | null;
  readonly interval_ms: number;
  readonly description: string;
  readonly count: number;
  readonly first_ts: number | null;
  readonly last_ts: number | null;
  /** SHA-256 of the candle columns (ts, open, high, low, close, volume as float64). */
  readonly sha256: string;
}

/** Everything the results depend on. Its fingerprint names the sweep. */
export interface SweepInputs {
  /** The strategy: a built-in's name, or a strategy file's absolute URL. */
  readonly strategy: string;
  /** SHA-256 (hex) of the strategy file's bytes: an edited file is another sweep. */
  readonly strategy_sha256?: string;
  /** Strategy parameters fixed by flags (the swept ones vary). */
  readonly fixed_params: Readonly<Record<string, number>>;
  /** The fixed backtest parameters (sizing, costs, limits, mode). */
  readonly backtest: Readonly<Record<string, unknown>>;
  readonly axes: readonly Axis[];
  readonly search: Search;
  readonly objective: (typeof OBJECTIVE_NAMES)[number];
  readonly bound: (typeof BOUNDS)[number];
  readonly min_trades: number;
  readonly max_drawdown_pct: number | null;
  readonly candles: CandleFacts;
}

/** The contents of `sweep.json`. */
export interface SweepManifest {
  readonly format: typeof FORMAT;
  readonly fingerprint: string;
  readonly combinations: number;
  /** Null for a whole sweep (one machine, or merged). */
  readonly shard: Shard | null;
  readonly inputs: SweepInputs;
}

/** The format tag of `sweep.json` (changes when results would change for the same inputs). */
export const FORMAT = "laptop-agents sweep 1";

/** SHA-256 (hex) of a series' columns. */
export function candleHash(s: CandleSeries): string {
  const h = createHash("sha256");
  for (const col of [s.ts, s.open, s.high, s.low, s.close, s.volume]) {
    const v = col.subarray(0, s.length);
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return h.digest("hex");
}

/** The fingerprint of `inputs`: SHA-256 (hex) of their JSON together with the format tag. */
export function fingerprintOf(inputs: SweepInputs): string {
  return createHash("sha256").update(`${FORMAT}\n${JSON.stringify(inputs)}`).digest("hex");
}

/** The manifest of `inputs` for `shard` (null: the whole sweep). */
export function manifestOf(
  inputs: SweepInputs,
  combinations: number,
  shard: Shard | null,
): SweepManifest {
  return { format: FORMAT, fingerprint: fingerprintOf(inputs), combinations, shard, inputs };
}

/** The bytes of `sweep.json`. */
export function manifestJson(m: SweepManifest): string {
  return JSON.stringify(m, null, 2) + "\n";
}

const num = z.number().refine(Number.isFinite);
const axisSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(["strategy", "risk"]),
  int: z.boolean(),
  values: z.array(num).min(1).nullable(),
  lo: num,
  hi: num,
});
const manifestSchema = z.object({
  format: z.literal(FORMAT),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  combinations: z.number().int().min(0),
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) })
    .refine((s) => s.index < s.count, "index < count").nullable(),
  inputs: z.object({
    strategy: z.string().min(1),
    strategy_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    fixed_params: z.record(z.string(), num),
    backtest: z.record(z.string(), z.unknown()),
    axes: z.array(axisSchema).min(1),
    search: z.union([
      z.object({ kind: z.literal("grid") }),
      z.object({ kind: z.literal("random"), count: z.number().int().min(1), seed: num }),
    ]),
    objective: z.enum(OBJECTIVE_NAMES),
    bound: z.enum(BOUNDS),
    min_trades: z.number().int().min(0),
    max_drawdown_pct: num.nullable(),
    candles: z.object({
      source: z.enum(["mock", "csv", "bitunix"]),
      csv: z.string().nullable(),
      requested: z.number().int().nullable(),
      mock_seed: z.number().int().nullable(),
      symbol: z.string(),
      interval: z.string().nullable(),
      interval_ms: z.number().int().min(1),
      description: z.string(),
      count: z.number().int().min(0),
      first_ts: num.nullable(),
      last_ts: num.nullable(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  }),
});

/**
 * Reads `sweep.json` text; its fingerprint must match its inputs.
 * @throws InputError naming `path` for a file that is not a sweep manifest
 */
export function parseManifest(text: string, path: string): SweepManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `a sweep.json (not JSON: ${(e as Error).message})`);
  }
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(
      `${path}${issue?.path.length ? ` key ${issue.path.join(".")}` : ""}`,
      `a sweep.json of this version (${issue?.message ?? "not one"})`,
    );
  }
  const m = r.data as SweepManifest;
  // the raw inputs, in the file's key order (the schema's output orders keys its own way)
  const raw = (json as { inputs: SweepInputs }).inputs;
  if (fingerprintOf(raw) !== m.fingerprint) {
    throw new InputError(path, "a sweep.json whose fingerprint matches its inputs (edited?)");
  }
  return { ...m, inputs: raw };
}
