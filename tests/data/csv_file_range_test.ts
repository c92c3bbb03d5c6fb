import assert from "node:assert/strict";
import { allocSeries, type CandleSeries } from "../../src/core/candle.ts";
import { GrowableSeries } from "../../src/core/growable_series.ts";
import { candleCsvLayout, parseCandleCsv } from "../../src/data/csv_candles.ts";
import { parseCandleFileRange } from "../../src/data/csv_file_range.ts";

const HEADER = "ts,open,high,low,close,volume";
const COLUMNS = ["ts", "open", "high", "low", "close", "volume"] as const;

function rows(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = 40_000 + (i % 97) * 1.25;
    out.push(`${1_700_000_000_000 + i * 60_000},${o},${o + 10.5},${o - 3},${o + 1},${i % 13}.125`);
  }
  return out;
}

function assertSameSeries(got: CandleSeries, want: CandleSeries): void {
  assert.equal(got.length, want.length);
  for (const k of COLUMNS) {
    for (let i = 0; i < want.length; i++) assert.equal(got[k][i], want[k][i], `${k}[${i}]`);
  }
}

Deno.test("parseCandleFileRange reads a file piece by piece, same rows as one parse", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const texts = {
      "LF": `${HEADER}\n${rows(3000).join("\n")}\n`,
      "CRLF": `${HEADER}\r\n${rows(3000).join("\r\n")}\r\n`,
      "no final newline": `${HEADER}\n${rows(3000).join("\n")}`,
      "trailing blank lines": `${HEADER}\n${rows(3000).join("\n")}\n\n \n`,
    };
    for (const [name, text] of Object.entries(texts)) {
      await t.step(name, async () => {
        const path = `${dir}/${name}.csv`;
        await Deno.writeTextFile(path, text);
        const want = parseCandleCsv(text, path);
        const from = text.indexOf("\n") + 1;
        // 7 bytes is shorter than any row: the buffer must grow to hold one
        for (const piece of [7, 64, 1000, 1 << 20]) {
          const cols = new GrowableSeries(16);
          const parser = parseCandleFileRange(path, from, text.length, 2, cols, piece);
          assertSameSeries(parser.finish(), want);
          assert.equal(parser.endsBlank, name === "trailing blank lines");
        }
        // two ranges split at a line start give the same rows between them
        const split = text.indexOf("\n", text.length >> 1) + 1;
        const a = parseCandleFileRange(path, from, split, 2, new GrowableSeries(), 100).finish();
        const b = parseCandleFileRange(path, split, text.length, 0, new GrowableSeries(), 100)
          .finish();
        assert.equal(a.length + b.length, want.length);
        assert.equal(b.ts[0], want.ts[a.length]);
      });
    }
    await t.step(
      "a blank line before more rows is an error at its line, across pieces",
      async () => {
        const lines = rows(50);
        lines.splice(20, 0, "");
        const text = `${HEADER}\n${lines.join("\n")}\n`;
        const path = `${dir}/blank.csv`;
        await Deno.writeTextFile(path, text);
        for (const piece of [7, 64, 1 << 20]) {
          assert.throws(
            () =>
              parseCandleFileRange(
                path,
                HEADER.length + 1,
                text.length,
                2,
                new GrowableSeries(),
                piece,
              ),
            /blank\.csv line 22: empty line/,
          );
        }
      },
    );
    await t.step(
      "other layouts (Binance klines in µs, reordered header) piece by piece",
      async () => {
        const binance = rows(3000).map((r) => {
          const [ts, ...v] = r.split(",");
          return [`${ts}000`, ...v, `${ts}999`, "1.5", "7", "0.5", "0.25", "0"].join(",");
        });
        const reordered = rows(3000).map((r) => {
          const [ts, o, h, l, c, v] = r.split(",");
          return [v, "x", c, l, h, o, new Date(Number(ts)).toISOString()].join(",");
        });
        const texts = {
          binance: binance.join("\n") + "\n",
          reordered: `vol,note,Close,Low,High,Open,Date\r\n${reordered.join("\r\n")}\r\n`,
        };
        const want = parseCandleCsv(`${HEADER}\n${rows(3000).join("\n")}\n`, "want.csv");
        for (const [name, text] of Object.entries(texts)) {
          const path = `${dir}/${name}.csv`;
          await Deno.writeTextFile(path, text);
          const layout = candleCsvLayout(new TextEncoder().encode(text), path);
          for (const piece of [7, 64, 1000, 1 << 20]) {
            const cols = new GrowableSeries(16);
            parseCandleFileRange(path, layout.rowsStart, text.length, 1, cols, piece, layout);
            assertSameSeries(cols.finish(), want);
          }
        }
      },
    );
    await t.step("a bad row names its file line", async () => {
      const lines = rows(50);
      lines[30] = lines[30].replace(/,[^,]*$/, ",-1");
      const text = `${HEADER}\n${lines.join("\n")}\n`;
      const path = `${dir}/bad.csv`;
      await Deno.writeTextFile(path, text);
      assert.throws(
        () =>
          parseCandleFileRange(path, HEADER.length + 1, text.length, 2, new GrowableSeries(), 64),
        /bad\.csv line 32: volume -1 must be >= 0/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GrowableSeries writes into given columns until they are full, then moves", () => {
  const shared = allocSeries(8, true);
  const cols = new GrowableSeries(shared);
  for (let i = 0; i < 8; i++) cols.pushRow(i, 1, 2, 0.5, 1.5, i);
  assert.equal(cols.ts.buffer, shared.ts.buffer);
  assert.deepEqual(Array.from(shared.volume), [0, 1, 2, 3, 4, 5, 6, 7]);
  cols.pushRow(8, 1, 2, 0.5, 1.5, 8);
  assert.notEqual(cols.ts.buffer, shared.ts.buffer);
  assert.deepEqual(Array.from(cols.finish().ts), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const empty = new GrowableSeries(allocSeries(0));
  empty.pushRow(1, 1, 1, 1, 1, 1);
  assert.equal(empty.finish().length, 1);
});
