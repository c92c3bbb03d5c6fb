import type { CandleSeries } from "../../core/candle.ts";
import { InputError } from "../../core/errors.ts";
import { detectInterval, readCandleCsv } from "../../data/csv_candles.ts";
import {
  type DetailCoverage,
  detailCoverage,
  type IntrabarDetail,
} from "../../engine/intrabar_detail.ts";
import { intervalName } from "./load_candles.ts";

/** Finer candles for `--detail-csv`, checked against the backtest's bars. */
export interface LoadedDetail {
  readonly detail: IntrabarDetail;
  /** The finer candles' interval name (`1m`) or `<ms>ms`. */
  readonly interval: string;
  /** How many of the bars have all their finer candles in the file. */
  readonly coverage: DetailCoverage;
}

function intervalText(ms: number): string {
  return intervalName(ms) ?? `${ms}ms`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * Reads the finer candles of `--detail-csv` and checks them against the bars: their
 * interval must divide the bars' interval, and they must cover at least one bar whole.
 * When they cover only part of the bars, `notice` says how much (bars without all their
 * finer candles are resolved by the conservative rule).
 */
export async function loadIntrabarDetail(
  path: string,
  bars: CandleSeries,
  barMs: number,
  notice: (msg: string) => void,
): Promise<LoadedDetail> {
  const series = await readCandleCsv(path, "--detail-csv");
  const input = `--detail-csv ${path}`;
  const ms = detectInterval(series);
  const barName = intervalText(barMs);
  if (ms === null || !(ms > 0)) {
    throw new InputError(input, "at least two candles on one interval");
  }
  if (ms >= barMs || barMs % ms !== 0) {
    throw new InputError(
      `${input} (${intervalText(ms)} candles)`,
      `candles of an interval that divides the backtest's ${barName} bars (e.g. 1m under 5m or 1h)`,
    );
  }
  const detail: IntrabarDetail = { series, intervalMs: ms, barMs };
  const cov = detailCoverage(bars, detail);
  const range = (s: CandleSeries) =>
    s.length > 0 ? `${day(s.ts[0])} .. ${day(s.ts[s.length - 1])} UTC` : "none";
  if (cov.covered_bars === 0) {
    throw new InputError(
      input,
      `${intervalText(ms)} candles inside the backtest's bars (${range(bars)}); the file holds ${
        range(series)
      }`,
    );
  }
  if (cov.covered_bars < bars.length) {
    notice(
      `--detail-csv: ${cov.covered_bars.toLocaleString("en-US")} of ${
        bars.length.toLocaleString("en-US")
      } bars have all their ${intervalText(ms)} candles (file: ${
        range(series)
      }); a bar without them that touches both stop and take-profit is resolved conservatively`,
    );
  }
  return { detail, interval: intervalText(ms), coverage: cov };
}
