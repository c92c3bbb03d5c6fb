/**
 * The whole-process reference for the CLI backtest (bench (d)): reads a candle CSV of the
 * canonical form (`ts,open,high,low,close,volume` header, plain decimals), parses it with
 * a hand-written byte loop into typed arrays, runs the hand-written loop on it and prints
 * `<trades> <final equity>`. No checks, no artifacts, one thread: what the bare work costs
 * under Deno, process start included.
 *
 * Usage: deno run --allow-read bench/raw_process.ts FILE.csv
 */
import type { CandleSeries } from "../src/core/candle.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../src/core/backtest_params.ts";
import { handLoopEmaCross } from "./hand_loop.ts";

/** Powers of ten that are exact doubles: mantissa / 10^k is then Number(field) exactly. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** Parses the rows after the header line into six columns. */
function parse(b: Uint8Array): CandleSeries {
  let rows = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) rows++;
  if (b[b.length - 1] !== 10) rows++;
  rows -= 1; // the header
  const cols = Array.from({ length: 6 }, () => new Float64Array(rows));
  let i = b.indexOf(10) + 1;
  for (let n = 0; n < rows; n++) {
    for (let col = 0; col < 6; col++) {
      const start = i;
      let c = b[i];
      let mant = 0;
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        c = b[++i];
      }
      let frac = 0;
      let dot = 0;
      if (c === 46) {
        dot = 1;
        const fracStart = ++i;
        c = b[i];
        while (c >= 48 && c <= 57) {
          mant = mant * 10 + (c - 48);
          c = b[++i];
        }
        frac = i - fracStart;
      }
      // more than 15 digits: not exact as mantissa / 10^k, so the runtime's own parse
      cols[col][n] = i - start - dot > 15
        ? Number(new TextDecoder().decode(b.subarray(start, i)))
        : mant / POW10[frac];
      i++; // the comma or newline
    }
  }
  const [ts, open, high, low, close, volume] = cols;
  return { length: rows, ts, open, high, low, close, volume };
}

const series = parse(await Deno.readFile(Deno.args[0]));
const { fast, slow } = { fast: 12, slow: 26 };
const r = handLoopEmaCross(series, fast, slow, DEFAULT_BACKTEST_PARAMS);
console.log(`${r.count} ${r.equityEnd}`);
