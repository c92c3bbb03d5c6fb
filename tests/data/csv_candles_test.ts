import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  detectInterval,
  findGaps,
  isGzip,
  parseCandleCsv,
  readCandleCsv,
} from "../../src/data/csv_candles.ts";
import { isInputError } from "../../src/core/errors.ts";
import { assertInputError } from "./_assert.ts";
import { allocSeries } from "../../src/core/candle.ts";
import { REAL_1H, REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import {
  synthetic1hWithGaps,
  synthetic5m,
  SYNTHETIC_1H_HALTS,
  writeCandleFile,
} from "../_synthetic_data.ts";

const FIXTURES = new URL("../fixtures/csv/", import.meta.url).pathname;
const HEADER = "ts,open,high,low,close,volume";

async function assertRejectsInput(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

/** 2024-01-01T00:00:00Z in Unix ms. */
const T0 = 1_704_067_200_000;

const row = (ts: number, o = 100, h = 110, l = 90, c = 105, v = 1) =>
  `${ts},${o},${h},${l},${c},${v}`;

Deno.test("parseCandleCsv", async (t) => {
  await t.step("parses rows into typed columns", () => {
    const s = parseCandleCsv(
      `${HEADER}\n${row(T0)}\n${row(T0 + 60_000, 105, 120, 100, 118.5, 2.25)}\n`,
      "a.csv",
    );
    assert.equal(s.length, 2);
    assert.deepEqual([...s.ts], [T0, T0 + 60_000]);
    assert.deepEqual([...s.close], [105, 118.5]);
    assert.deepEqual([...s.volume], [1, 2.25]);
    assert.equal(s.ts.length, 2);
  });

  await t.step(
    "accepts CRLF, whitespace around the header, BOM and trailing blank lines",
    async () => {
      const text = await Deno.readTextFile(FIXTURES + "small_crlf.csv");
      const s = parseCandleCsv(text, "small_crlf.csv");
      assert.equal(s.length, 3);
      assert.equal(s.volume[0], 1271.68108);
      assert.equal(s.high[1], 42600);
      const s2 = parseCandleCsv(`\uFEFF  ${HEADER}  \r\n${row(1)}\n\n  \n`, "b.csv");
      assert.equal(s2.length, 1);
    },
  );

  await t.step("falls back to Number() for unusual numbers", () => {
    const s = parseCandleCsv(`${HEADER}\n1.7040672e12,1.5e2,2E2,+100,150, 3 \n`, "c.csv");
    assert.deepEqual([s.ts[0], s.open[0], s.high[0], s.low[0], s.close[0], s.volume[0]], [
      T0,
      150,
      200,
      100,
      150,
      3,
    ]);
    const long = "42283.5812345678901234";
    const s2 = parseCandleCsv(
      `${HEADER}\n1,${long},50000,40000,42000,0.000000012345678901\n`,
      "d.csv",
    );
    assert.equal(s2.open[0], Number(long));
    assert.equal(s2.volume[0], Number("0.000000012345678901"));
  });

  const bad: [string, string, RegExp][] = [
    ["empty file", "", /^Invalid x\.csv: file is empty, expected header ts,open/],
    ["blank file", " \n\n", /file is empty/],
    ["header only", `${HEADER}\n`, /^Invalid x\.csv: no candle rows/],
    [
      "header without a time column",
      "when,open,high,low,close,volume\n1,1,1,1,1,1\n",
      /^Invalid x\.csv line 1: header is "when,open.*\(missing ts: one of ts, time, timestamp, date/,
    ],
    [
      "too few columns",
      `${HEADER}\n${row(1)}\n1,2,3\n`,
      /^Invalid x\.csv line 3: expected 6 columns, got 3$/,
    ],
    ["too many columns", `${HEADER}\n${row(1)},7\n`, /line 2: expected 6 columns, got more than 6/],
    [
      "non-numeric column",
      `${HEADER}\n${row(1)}\n2,100,110,abc,105,1\n`,
      /line 3: low "abc" is not a number/,
    ],
    ["empty field", `${HEADER}\n2,100,110,90,,1\n`, /line 2: close "" is not a number/],
    [
      "hex is not a number",
      `${HEADER}\n2,0x10,110,90,100,1\n`,
      /line 2: open "0x10" is not a number/,
    ],
    ["Infinity", `${HEADER}\n2,100,Infinity,90,100,1\n`, /line 2: high "Infinity" is not a number/],
    [
      "fractional ts",
      `${HEADER}\n1704067200000.5,100,110,90,100,1\n`,
      /line 2: ts 1704067200000\.5 is not a whole number of milliseconds/,
    ],
    [
      "unsorted ts",
      `${HEADER}\n${row(2000)}\n${row(1000)}\n`,
      /line 3: ts 1000 is before the previous row's ts 2000/,
    ],
    [
      "duplicate ts",
      `${HEADER}\n${row(2000)}\n${row(2000)}\n`,
      /line 3: ts 2000 duplicates the previous row/,
    ],
    [
      "high below low",
      `${HEADER}\n${row(1, 100, 80, 90, 85)}\n`,
      /line 2: high 80 is below low 90/,
    ],
    [
      "high below open",
      `${HEADER}\n${row(1, 100, 99, 90, 95)}\n`,
      /line 2: high 99 is below open 100/,
    ],
    [
      "high below close",
      `${HEADER}\n${row(1, 95, 99, 90, 100)}\n`,
      /line 2: high 99 is below close 100/,
    ],
    [
      "low above open",
      `${HEADER}\n${row(1, 95, 110, 96, 100)}\n`,
      /line 2: low 96 is above open 95/,
    ],
    [
      "low above close",
      `${HEADER}\n${row(1, 100, 110, 96, 95)}\n`,
      /line 2: low 96 is above close 95/,
    ],
    ["zero price", `${HEADER}\n${row(1, 0, 110, 0, 100)}\n`, /line 2: open 0 must be > 0/],
    ["negative price", `${HEADER}\n${row(1, 100, 110, -5, 100)}\n`, /line 2: low -5 must be > 0/],
    [
      "negative volume",
      `${HEADER}\n${row(1, 100, 110, 90, 100, -1)}\n`,
      /line 2: volume -1 must be >= 0/,
    ],
    ["blank line inside", `${HEADER}\n${row(1)}\n\n${row(2)}\n`, /line 3: empty line/],
  ];
  for (const [name, text, re] of bad) {
    await t.step(
      `rejects ${name}`,
      () => assertInputError(() => parseCandleCsv(text, "x.csv"), re),
    );
  }

  await t.step("fixture with high below low names line 3", async () => {
    const text = await Deno.readTextFile(FIXTURES + "high_below_low.csv");
    assertInputError(
      () => parseCandleCsv(text, "high_below_low.csv"),
      /^Invalid high_below_low\.csv line 3: high 41000 is below low 41050$/,
    );
  });
});

Deno.test("readCandleCsv", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const text = `${HEADER}\n${row(T0)}\n${row(T0 + 1000)}\n`;
    await t.step("reads a plain file", async () => {
      await Deno.writeTextFile(`${dir}/a.csv`, text);
      assert.equal((await readCandleCsv(`${dir}/a.csv`)).length, 2);
    });
    await t.step("detects gzip by magic bytes, whatever the name", async () => {
      const gz = gzipSync(new TextEncoder().encode(text));
      assert.ok(isGzip(gz));
      await Deno.writeFile(`${dir}/b.csv`, gz);
      await Deno.writeFile(`${dir}/c.csv.gz`, gz);
      assert.deepEqual([...(await readCandleCsv(`${dir}/b.csv`)).ts], [T0, T0 + 1000]);
      assert.equal((await readCandleCsv(`${dir}/c.csv.gz`)).length, 2);
    });
    await t.step("missing file", async () => {
      await assertRejectsInput(
        readCandleCsv(`${dir}/nope.csv`),
        /^Invalid --csv .*nope\.csv: file not found$/,
      );
    });
    await t.step("corrupt gzip", async () => {
      await Deno.writeFile(`${dir}/bad.gz`, new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4]));
      await assertRejectsInput(readCandleCsv(`${dir}/bad.gz`), /corrupt gzip/);
    });
    await t.step("a directory", async () => {
      await assertRejectsInput(readCandleCsv(dir), /^Invalid --csv /);
    });
    await t.step("errors about the file name the flag it came from", async () => {
      await assertRejectsInput(
        readCandleCsv(`${dir}/nope.csv`, "--detail-csv"),
        /^Invalid --detail-csv .*nope\.csv: file not found$/,
      );
      await assertRejectsInput(
        readCandleCsv(`${dir}/bad.gz`, "--detail-csv"),
        /^Invalid --detail-csv .*corrupt gzip/,
      );
    });
    await t.step("row errors name the path and line", async () => {
      await Deno.writeTextFile(`${dir}/d.csv`, `${HEADER}\n${row(1)}\n${row(1)}\n`);
      await assertRejectsInput(readCandleCsv(`${dir}/d.csv`), /d\.csv line 3: ts 1 duplicates/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** What a full-grid 5m file must read as. */
interface Expected5m {
  readonly length: number;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly firstOpen: number;
}

/** Reads the gzipped 5m file at `path` and checks its rows, grid and every value's text. */
async function check5mFile(t: Deno.TestContext, path: string, e: Expected5m): Promise<void> {
  const series = await readCandleCsv(path);
  await t.step("row count, bounds and grid match the data README", () => {
    assert.equal(series.length, e.length);
    assert.equal(series.ts[0], e.firstTs);
    assert.equal(series.ts[series.length - 1], e.lastTs);
    assert.equal(series.open[0], e.firstOpen);
    assert.equal(detectInterval(series), 300_000);
    assert.deepEqual(findGaps(series, 300_000), []);
  });
  await t.step("every value equals Number() of its text", () => {
    const text = new TextDecoder().decode(gunzipSync(Deno.readFileSync(path)));
    const lines = text.split("\n");
    const cols = [series.ts, series.open, series.high, series.low, series.close, series.volume];
    let checked = 0;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === "") continue;
      const fields = lines[i].split(",");
      for (let c = 0; c < 6; c++) {
        const expected = Number(fields[c]);
        if (!Object.is(cols[c][i - 1], expected)) {
          assert.fail(`line ${i + 1} column ${c}: ${cols[c][i - 1]} !== Number(${fields[c]})`);
        }
        checked++;
      }
    }
    assert.equal(checked, e.length * 6);
  });
}

/** What an hourly file with gaps must read as. */
interface ExpectedGaps {
  readonly length: number;
  readonly gaps: number;
  readonly missing: number;
  readonly largest: number;
  readonly largestAfter: string;
  readonly largestBefore: string;
}

/** Reads the 1h file at `path` and checks its interval and gaps. */
async function check1hGaps(path: string, e: ExpectedGaps) {
  const series = await readCandleCsv(path);
  assert.equal(series.length, e.length);
  assert.equal(detectInterval(series), 3_600_000);
  const gaps = findGaps(series, 3_600_000);
  assert.equal(gaps.length, e.gaps);
  assert.equal(gaps.reduce((n, g) => n + g.missing, 0), e.missing);
  const largest = gaps.reduce((a, b) => (b.missing > a.missing ? b : a));
  assert.equal(largest.missing, e.largest);
  assert.equal(new Date(largest.afterTs).toISOString(), e.largestAfter);
  assert.equal(new Date(largest.beforeTs).toISOString(), e.largestBefore);
  assert.equal(largest.fromTs, largest.afterTs + 3_600_000);
  assert.equal(largest.toTs, largest.beforeTs - 3_600_000);
  return series;
}

realDataTest("real 5m file", async (t) => {
  await check5mFile(t, realDataPath(REAL_5M), {
    length: 52_416,
    firstTs: 1704067200000,
    lastTs: 1719791700000,
    firstOpen: 42283.58,
  });
});

realDataTest("real 1h file: gaps", async () => {
  await check1hGaps(realDataPath(REAL_1H), {
    length: 58_419,
    gaps: 28,
    missing: 128,
    largest: 33,
    largestAfter: "2018-02-08T00:00:00.000Z",
    largestBefore: "2018-02-09T10:00:00.000Z",
  });
});

Deno.test("generated 5m file (gzipped, full grid)", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeCandleFile(`${dir}/5m.csv.gz`, synthetic5m(), true);
    await check5mFile(t, path, {
      length: 52_416,
      firstTs: 1704067200000,
      lastTs: 1719791700000,
      firstOpen: 42000,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generated 1h file: the real file's 28 gaps and its zero-volume halts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeCandleFile(`${dir}/1h.csv.gz`, synthetic1hWithGaps(), true);
    const series = await check1hGaps(path, {
      length: 11_872,
      gaps: 28,
      missing: 128,
      largest: 33,
      largestAfter: "2024-01-13T11:00:00.000Z",
      largestBefore: "2024-01-14T21:00:00.000Z",
    });
    const halts = [...series.volume.keys()].filter((i) => series.volume[i] === 0);
    assert.equal(halts.length, SYNTHETIC_1H_HALTS.length);
    for (const i of halts) {
      const prices = [series.open[i], series.high[i], series.low[i], series.close[i]];
      assert.equal(new Set(prices).size, 1, `halt ${i}: ${prices}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("detectInterval and findGaps", async (t) => {
  const text = await Deno.readTextFile(FIXTURES + "with_gaps.csv");
  const s = parseCandleCsv(text, "with_gaps.csv");
  await t.step("most common step wins", () => assert.equal(detectInterval(s), 300_000));
  await t.step("gaps list missing candles", () => {
    assert.deepEqual(findGaps(s, 300_000), [
      {
        afterTs: 1704067500000,
        beforeTs: 1704068400000,
        fromTs: 1704067800000,
        toTs: 1704068100000,
        missing: 2,
      },
      {
        afterTs: 1704068700000,
        beforeTs: 1704070200000,
        fromTs: 1704069000000,
        toTs: 1704069900000,
        missing: 4,
      },
    ]);
  });
  await t.step("fewer than two candles has no interval", () => {
    assert.equal(detectInterval(allocSeries(1)), null);
    assert.equal(detectInterval(allocSeries(0)), null);
  });
});
