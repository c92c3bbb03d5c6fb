/**
 * `results.csv` of a sweep: a header, then one row per combination in index order:
 * the combination's index and values, whether it may win (`eligible`), the objective on
 * both intrabar bounds, each bound's figures, and a note (why it is not eligible).
 * Numbers are in JavaScript's shortest round-trip form, so the same results give the
 * same bytes. Rows parse back for resuming, merging and the summary.
 *
 * @module
 */
import { InputError } from "../core/errors.ts";
import type { BoundMetrics, CombinationMetrics } from "./evaluate.ts";
import { type Constraints, judge, type Objective, objectiveValue } from "./objective.ts";

/** The intrabar bounds, in column order. */
export const BOUNDS = ["conservative", "optimistic"] as const;

/** An intrabar bound. */
export type Bound = (typeof BOUNDS)[number];

/** The figures each bound has columns for, in column order. */
export const METRIC_KEYS = [
  "net_pnl",
  "return_pct",
  "sharpe",
  "sortino",
  "calmar",
  "profit_factor",
  "win_rate",
  "trades",
  "max_drawdown_pct",
  "trades_hash",
] as const satisfies readonly (keyof BoundMetrics)[];

/** One combination's row. */
export interface ResultRow {
  readonly index: number;
  /** The swept values, in axis order. */
  readonly values: readonly number[];
  /** Null for a combination the strategy's schema refused. */
  readonly metrics: CombinationMetrics | null;
  /** Valid, ranked (objective defined on the ranking bound) and within the constraints. */
  readonly eligible: boolean;
  /** Why it is not eligible; empty when it is. */
  readonly note: string;
}

/** How rows are judged: the objective, the bound that ranks and the constraints. */
export interface Judging {
  readonly objective: Objective;
  readonly bound: Bound;
  readonly constraints: Constraints;
}

/** The header line (without newline) for axes named `axisNames`. */
export function resultsHeader(axisNames: readonly string[]): string {
  const cols = ["index", ...axisNames, "eligible"];
  for (const b of BOUNDS) cols.push(`objective_${b}`);
  for (const b of BOUNDS) for (const k of METRIC_KEYS) cols.push(`${k}_${b}`);
  cols.push("note");
  return cols.join(",");
}

/** The row of a combination, judged: eligible or not, and why. */
export function judgedRow(
  index: number,
  values: readonly number[],
  result: CombinationMetrics | { readonly invalid: string },
  j: Judging,
): ResultRow {
  if ("invalid" in result) {
    return { index, values, metrics: null, eligible: false, note: `invalid: ${result.invalid}` };
  }
  const judged = judge(result[j.bound], j.objective, j.constraints);
  const note = "note" in judged ? judged.note : "";
  return { index, values, metrics: result, eligible: !("note" in judged), note };
}

function num(v: number | null): string {
  return v === null ? "" : String(v);
}

/** A CSV field: quoted when it holds a quote, a comma or a line break (breaks become spaces). */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""').replace(/[\r\n]+/g, " ")}"` : text;
}

/** The CSV line (with its newline) of `row`. */
export function resultLine(row: ResultRow, objective: Objective): string {
  const f: string[] = [String(row.index), ...row.values.map(String), row.eligible ? "yes" : "no"];
  const m = row.metrics;
  for (const b of BOUNDS) f.push(m === null ? "" : num(objectiveValue(m[b], objective)));
  for (const b of BOUNDS) {
    for (const k of METRIC_KEYS) f.push(m === null ? "" : String(m[b][k] ?? ""));
  }
  f.push(csvField(row.note));
  return f.join(",") + "\n";
}

/** Fields before the note: index, values, eligible, 2 objectives, 2 x the figures. */
function fixedFields(axes: number): number {
  return 1 + axes + 1 + BOUNDS.length + BOUNDS.length * METRIC_KEYS.length;
}

function parseNum(text: string, where: string): number {
  const v = Number(text);
  if (text === "" || Number.isNaN(v)) throw new InputError(where, `a number, got '${text}'`);
  return v;
}

/**
 * Parses one line (without newline) of a results file with `axes` swept values.
 * @param where how errors name the line, e.g. `runs/x/results.csv line 7`
 * @throws InputError for a line that is not a results row
 */
export function parseResultLine(line: string, axes: number, where: string): ResultRow {
  const n = fixedFields(axes);
  const f: string[] = [];
  let at = 0;
  for (let k = 0; k < n; k++) {
    const comma = line.indexOf(",", at);
    if (comma === -1) throw new InputError(where, `${n + 1} fields of a results row`);
    f.push(line.slice(at, comma));
    at = comma + 1;
  }
  let note = line.slice(at);
  if (note.startsWith('"')) {
    if (note.length < 2 || !note.endsWith('"')) throw new InputError(where, "a quoted note");
    note = note.slice(1, -1).replaceAll('""', '"');
  } else if (note.includes('"')) throw new InputError(where, "a note without quotes");
  const index = parseNum(f[0], where);
  if (!Number.isInteger(index) || index < 0) throw new InputError(where, "an index >= 0");
  const values = f.slice(1, 1 + axes).map((t) => parseNum(t, where));
  const eligible = f[1 + axes];
  if (eligible !== "yes" && eligible !== "no") throw new InputError(where, "eligible yes or no");
  const first = 1 + axes + 1 + BOUNDS.length;
  const invalid = f[first] === "";
  let metrics: CombinationMetrics | null = null;
  if (!invalid) {
    const bound = (b: number): BoundMetrics => {
      const g = f.slice(first + b * METRIC_KEYS.length, first + (b + 1) * METRIC_KEYS.length);
      const orNull = (t: string) => t === "" ? null : parseNum(t, where);
      return {
        net_pnl: parseNum(g[0], where),
        return_pct: parseNum(g[1], where),
        sharpe: parseNum(g[2], where),
        sortino: parseNum(g[3], where),
        calmar: orNull(g[4]),
        profit_factor: orNull(g[5]),
        win_rate: parseNum(g[6], where),
        trades: parseNum(g[7], where),
        max_drawdown_pct: parseNum(g[8], where),
        trades_hash: g[9],
      };
    };
    metrics = { conservative: bound(0), optimistic: bound(1) };
  }
  return { index, values, metrics, eligible: eligible === "yes", note };
}
