import assert from "node:assert/strict";
import {
  candleCsvLayout,
  detectInterval,
  findGaps,
  parseCandleCsv,
} from "../../src/data/csv_candles.ts";
import { assertInputError } from "./_assert.ts";
import type { CandleSeries } from "../../src/core/candle.ts";

/** 2024-01-01T00:00:00Z in Unix ms. */
const T0 = 1_704_067_200_000;
const M5 = 300_000;

/** OHLCV of candle i (consistent: low <= open, close <= high). */
const ohlcv = (i: number) => [100 + i, 110 + i, 90 + i, 105 + i, 1 + i / 4];

/** Rows of `n` 5m candles from T0, the time written by `time`, joined by `sep`. */
function rows(n: number, time: (ms: number) => string, extra: (i: number) => string = () => "") {
  return Array.from({ length: n }, (_, i) => [time(T0 + i * M5), ...ohlcv(i)].join(",") + extra(i));
}

/** The series every format below must read as. */
function assertCandles(s: CandleSeries, n: number): void {
  assert.equal(s.length, n);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(
      [s.ts[i], s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]],
      [T0 + i * M5, ...ohlcv(i)],
      `candle ${i}`,
    );
  }
  assert.equal(detectInterval(s), M5);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const binanceExtra = (unit: number) => (i: number) =>
  `,${(T0 + i * M5 + M5 - 1) * unit},1234.5,42,0.5,600.25,0`;

Deno.test("candle CSV: times in seconds, milliseconds, microseconds and ISO dates", async (t) => {
  const H = "ts,open,high,low,close,volume\n";
  await t.step("seconds (once read as 300 ms candles in 1970)", () => {
    assertCandles(parseCandleCsv(H + rows(4, (ms) => String(ms / 1000)).join("\n"), "s.csv"), 4);
  });
  await t.step("milliseconds", () => {
    assertCandles(parseCandleCsv(H + rows(4, String).join("\n"), "ms.csv"), 4);
  });
  await t.step("microseconds (16 digits)", () => {
    assertCandles(parseCandleCsv(H + rows(4, (ms) => String(ms * 1000)).join("\n"), "us.csv"), 4);
  });
  await t.step("ISO 8601 in its common spellings", () => {
    const spellings = [
      (ms: number) => iso(ms), // 2024-01-01T00:00:00Z
      (ms: number) => iso(ms).replace("T", " ").replace("Z", ""), // 2024-01-01 00:00:00
      (ms: number) => new Date(ms).toISOString(), // with .000Z
      (ms: number) => iso(ms).replace("Z", "+00:00"),
      (ms: number) => `"${iso(ms).replace("T", " ").replace(":00Z", "")}"`, // "2024-01-01 00:00"
      // the same instant two hours east of UTC
      (ms: number) => new Date(ms + 7_200_000).toISOString().replace(".000Z", "+02:00"),
    ];
    for (const time of spellings) {
      assertCandles(parseCandleCsv(H + rows(4, time).join("\n") + "\n", "iso.csv"), 4);
    }
  });
  await t.step("dates without a time (daily candles)", () => {
    const s = parseCandleCsv(
      "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,9\n2024-01-02,1,2,0.5,1.5,9\n",
      "d.csv",
    );
    assert.deepEqual([...s.ts], [T0, T0 + 86_400_000]);
  });
  await t.step("concatenated files switching from ms to µs (Binance spot, 2025)", () => {
    const text = rows(6, (ms) => String(ms < T0 + 3 * M5 ? ms : ms * 1000)).join("\n");
    assertCandles(parseCandleCsv(text, "mixed.csv"), 6);
  });
  await t.step("a gap is kept and found", () => {
    const all = rows(6, String);
    const s = parseCandleCsv(H + [...all.slice(0, 2), ...all.slice(4)].join("\n"), "g.csv");
    assert.deepEqual(findGaps(s, M5).map((g) => g.missing), [2]);
  });

  const bad: [string, string, RegExp][] = [
    [
      "nanoseconds",
      H + `${T0}000000,1,2,0.5,1,1\n`,
      /^Invalid x\.csv line 2: ts 1704067200000000000 is too large \(nanoseconds\?\)/,
    ],
    [
      "microseconds below a millisecond",
      H + `${T0}500,1,2,0.5,1,1\n`,
      /line 2: ts 1704067200000500 is not a whole number of milliseconds \(read as Unix µs\)/,
    ],
    [
      "a day that does not exist",
      H + `2024-02-30T00:00:00Z,1,2,0.5,1,1\n`,
      /line 2: ts "2024-02-30T00:00:00Z" is not a number or a date \(expected Unix seconds, milliseconds or microseconds, or an ISO 8601 date/,
    ],
    ["a time that does not exist", H + `2024-01-01 24:00,1,2,0.5,1,1\n`, /line 2: ts "2024-01-01/],
    [
      "a date before 1970",
      H + `1969-12-31,1,2,0.5,1,1\n`,
      /line 2: ts 1969-12-31T00:00:00\.000Z is before 1970/,
    ],
    ["a negative time", H + `-5,1,2,0.5,1,1\n`, /line 2: ts -5 is not a time at or after 1970/],
    [
      "seconds out of order, shown as written",
      H + rows(2, (ms) => String(ms / 1000)).reverse().join("\n"),
      /line 3: ts 1704067200 is before the previous row's ts 1704067500 /,
    ],
    [
      "ISO dates repeating, shown as dates",
      H + rows(2, () => "2024-01-01T00:00:00Z").join("\n"),
      /line 3: ts 2024-01-01T00:00:00\.000Z duplicates the previous row/,
    ],
  ];
  for (const [name, text, re] of bad) {
    await t.step(
      `rejects ${name}`,
      () => assertInputError(() => parseCandleCsv(text, "x.csv"), re),
    );
  }
});

Deno.test("candle CSV: header aliases, column order and extra columns", async (t) => {
  await t.step("names in any case, aliases, quotes, any order, other columns ignored", () => {
    const headers: [string, (i: number, time: string) => string][] = [
      ["Date,Open,High,Low,Close,Adj Close,Volume", (i, time) => {
        const [o, h, l, c, v] = ohlcv(i);
        return `${time},${o},${h},${l},${c},${c},${v}`; // Yahoo-style
      }],
      ["timestamp,o,h,l,c,v", (i, time) => [time, ...ohlcv(i)].join(",")],
      ['"Time","VOL","Open","High","Low","Close"', (i, time) => {
        const [o, h, l, c, v] = ohlcv(i);
        return `${time},${v},${o},${h},${l},${c}`;
      }],
      [
        "open_time , open , high , low , close , volume , close_time , quote_volume",
        (i, time) => [time, ...ohlcv(i), 0, 0].join(","),
      ],
    ];
    for (const [header, row] of headers) {
      const text = [header, ...[0, 1, 2, 3].map((i) => row(i, iso(T0 + i * M5)))].join("\r\n");
      assertCandles(parseCandleCsv(text, "h.csv"), 4);
    }
  });
  await t.step("timestamp and datetime: the first time column is used", () => {
    const text = "timestamp,datetime,open,high,low,close,volume\n" +
      [0, 1].map((i) => [T0 + i * M5, "junk", ...ohlcv(i)].join(",")).join("\n");
    assertCandles(parseCandleCsv(text, "two-times.csv"), 2);
  });
  await t.step("errors name what the header lacks or repeats", () => {
    assertInputError(
      () => parseCandleCsv("ts,open,high,low,close\n1,1,1,1,1\n", "x.csv"),
      /^Invalid x\.csv line 1: header is "ts,open,high,low,close", expected columns ts,open,high,low,close,volume \(missing volume: one of volume, vol, v/,
    );
    assertInputError(
      () => parseCandleCsv("ts,open,high,low,close,Close,volume\n", "x.csv"),
      /line 1: header .* names the close twice \(close and Close\)/,
    );
  });
  await t.step("rows are checked against the header's width", () => {
    assertInputError(
      () =>
        parseCandleCsv(
          "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-01,1,2,0.5,1,1\n",
          "x.csv",
        ),
      /^Invalid x\.csv line 2: expected 7 columns, got 6$/,
    );
    assertInputError(
      () => parseCandleCsv("v,c,l,h,o,ts\n1,1,1,2,1,1704067200000,9\n", "x.csv"),
      /line 2: expected 6 columns, got more than 6$/,
    );
    assertInputError(
      () => parseCandleCsv("v,c,l,h,o,ts\n1,1,1,2,x,1704067200000\n", "x.csv"),
      /line 2: open "x" is not a number$/,
    );
  });
});

Deno.test("candle CSV without a header: 6 columns, or a Binance kline file", async (t) => {
  await t.step("6 columns: line 1 is the first row", () => {
    const text = rows(4, String).join("\n") + "\n";
    assertCandles(parseCandleCsv(text, "plain.csv"), 4);
    assertInputError(
      () => parseCandleCsv(text + `${T0},1,0.5,0.9,1,1\n`, "plain.csv"),
      /^Invalid plain\.csv line 5: /,
    );
    assert.equal(candleCsvLayout(new TextEncoder().encode(text), "plain.csv").firstLine, 1);
  });
  for (
    const [unit, name] of [[1, "milliseconds"], [1000, "microseconds (spot files since 2025)"]]
  ) {
    await t.step(`Binance klines, times in ${name}`, () => {
      const text = rows(4, (ms) => String(ms * Number(unit)), binanceExtra(Number(unit)))
        .join("\n") + "\n";
      assertCandles(parseCandleCsv(text, "BTCUSDT-5m-2024-01.csv"), 4);
    });
  }
  await t.step("Binance klines with CRLF and no final newline (the slow path)", () => {
    const text = rows(4, String, binanceExtra(1)).join("\r\n");
    assertCandles(parseCandleCsv(text, "k.csv"), 4);
  });
  await t.step("a Binance row cut short names its line", () => {
    const lines = rows(4, String, binanceExtra(1));
    lines[2] = lines[2].split(",").slice(0, 9).join(",");
    assertInputError(
      () => parseCandleCsv(lines.join("\n") + "\n", "k.csv"),
      /^Invalid k\.csv line 3: expected 12 columns, got 9$/,
    );
  });
  await t.step("another width without a header is refused", () => {
    assertInputError(
      () => parseCandleCsv(`${T0},1,2,0.5,1\n`, "x.csv"),
      /^Invalid x\.csv line 1: no header and 5 columns, expected a header like ts,open,high,low,close,volume, or rows of 6 columns .* or 12 \(a Binance kline file\)$/,
    );
  });
});
