/**
 * What a sweep's rows add up to, gathered row by row in constant memory: counts, the
 * best eligible combination, the top N, and a heatmap of the objective over two swept
 * parameters (each cell: the best eligible objective among the combinations in it).
 *
 * @module
 */
import { objectiveValue, ranksAbove } from "./objective.ts";
import type { Axis } from "./param_space.ts";
import type { Judging, ResultRow } from "./results_csv.ts";

/** Most cells along one heatmap axis: more distinct values are put into equal bins. */
export const HEATMAP_MAX_VALUES = 40;
/** Bins of a heatmap axis with more values than `HEATMAP_MAX_VALUES` (or continuous). */
export const HEATMAP_BINS = 20;

/** One axis of the heatmap: its parameter and the label of each cell. */
export interface HeatmapAxis {
  readonly name: string;
  readonly labels: readonly string[];
}

/** The objective over two (or one) swept parameters. */
export interface Heatmap {
  readonly x: HeatmapAxis;
  /** Null when only one parameter is swept (one row). */
  readonly y: HeatmapAxis | null;
  /** `cells[row][column]`: the best eligible objective there, or null. */
  readonly cells: readonly (readonly (number | null)[])[];
}

/** The summary of a sweep's rows. */
export interface SweepTotals {
  readonly rows: number;
  readonly evaluated: number;
  readonly invalid: number;
  readonly eligible: number;
  readonly best: ResultRow | null;
  /** The best eligible rows, best first. */
  readonly top: readonly ResultRow[];
  readonly heatmap: Heatmap;
}

interface Binning {
  readonly axis: HeatmapAxis;
  bin(v: number): number;
}

function short(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function binning(a: Axis): Binning {
  if (a.values !== null && a.values.length <= HEATMAP_MAX_VALUES) {
    const sorted = [...a.values].sort((p, q) => p - q);
    const at = new Map(sorted.map((v, i) => [v, i]));
    return { axis: { name: a.name, labels: sorted.map(String) }, bin: (v) => at.get(v) ?? 0 };
  }
  const width = (a.hi - a.lo) / HEATMAP_BINS;
  if (!(width > 0)) return { axis: { name: a.name, labels: [String(a.lo)] }, bin: () => 0 };
  const labels = Array.from(
    { length: HEATMAP_BINS },
    (_, k) => `${short(a.lo + k * width)}..${short(a.lo + (k + 1) * width)}`,
  );
  return {
    axis: { name: a.name, labels },
    bin: (v) => Math.min(HEATMAP_BINS - 1, Math.max(0, Math.floor((v - a.lo) / width))),
  };
}

/** Gathers rows into `SweepTotals`. */
export class SweepSummary {
  readonly #judging: Judging;
  readonly #topN: number;
  readonly #x: Binning;
  readonly #y: Binning | null;
  readonly #xAt: number;
  readonly #yAt: number;
  readonly #cells: (number | null)[][];
  readonly #top: { row: ResultRow; value: number }[] = [];
  #rows = 0;
  #evaluated = 0;
  #invalid = 0;
  #eligible = 0;

  /**
   * @param heatmap positions in `axes` of the heatmap's x and (optional) y parameter
   */
  constructor(
    judging: Judging,
    axes: readonly Axis[],
    heatmap: readonly number[],
    topN: number,
  ) {
    this.#judging = judging;
    this.#topN = Math.max(1, topN);
    this.#xAt = heatmap[0];
    this.#yAt = heatmap.length > 1 ? heatmap[1] : -1;
    this.#x = binning(axes[this.#xAt]);
    this.#y = this.#yAt >= 0 ? binning(axes[this.#yAt]) : null;
    const rows = this.#y?.axis.labels.length ?? 1;
    this.#cells = Array.from({ length: rows }, () => this.#x.axis.labels.map(() => null));
  }

  /** Adds one row (in any order). */
  add(row: ResultRow): void {
    this.#rows++;
    if (row.metrics === null) {
      this.#invalid++;
      return;
    }
    this.#evaluated++;
    if (!row.eligible) return;
    this.#eligible++;
    const value = objectiveValue(row.metrics[this.#judging.bound], this.#judging.objective)!;
    const cx = this.#x.bin(row.values[this.#xAt]);
    const cy = this.#y === null ? 0 : this.#y.bin(row.values[this.#yAt]);
    const cell = this.#cells[cy][cx];
    if (cell === null || value > cell) this.#cells[cy][cx] = value;
    const top = this.#top;
    let at = top.length;
    while (at > 0 && ranksAbove(value, row.index, top[at - 1].value, top[at - 1].row.index)) at--;
    if (at < this.#topN) {
      top.splice(at, 0, { row, value });
      if (top.length > this.#topN) top.pop();
    }
  }

  /** The totals of the rows added so far. */
  totals(): SweepTotals {
    return {
      rows: this.#rows,
      evaluated: this.#evaluated,
      invalid: this.#invalid,
      eligible: this.#eligible,
      best: this.#top[0]?.row ?? null,
      top: this.#top.map((t) => t.row),
      heatmap: { x: this.#x.axis, y: this.#y?.axis ?? null, cells: this.#cells },
    };
  }
}
