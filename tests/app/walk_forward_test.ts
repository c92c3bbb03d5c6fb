import assert from "node:assert/strict";
import { runCli } from "./_session_helpers.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";

const FILES = [
  "folds.csv",
  "walk_forward.json",
  "oos_equity.csv",
  "stats.json",
  "config.json",
  "summary.html",
];

/** A small rolling walk-forward on mock candles: 7 combinations (2 of 9 skipped), 13 folds. */
const MOCK_RUN = [
  "walk-forward",
  "--source",
  "mock",
  "--candles",
  "6000",
  "--mock-seed",
  "3",
  "--grid",
  "fast=5..15:5",
  "--grid=slow=10,20,40",
  "--train",
  "2000",
  "--test",
  "1d",
  "--min-trades",
  "2",
];

async function listRuns(dir: string): Promise<string[]> {
  try {
    const out: string[] = [];
    for await (const e of Deno.readDir(`${dir}/runs`)) out.push(e.name);
    return out.sort();
  } catch {
    return [];
  }
}

async function runFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of FILES) out[f] = await Deno.readFile(`${dir}/runs/latest/${f}`);
  return out;
}

Deno.test("walk-forward CLI on mock candles", async (t) => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    const r = await runCli(MOCK_RUN, { cwd: a });
    assert.equal(r.code, 0, r.stderr);
    await t.step("prints the plan, one line per fold, the OOS figures and the verdict", () => {
      assert.match(
        r.stdout,
        /rolling windows: train 2000 \/ test 1d \/ step 1d \(2000 \/ 288 \/ 288 candles\), 13 folds, 7 combinations/,
      );
      assert.match(
        r.stdout,
        /out of sample \(\d+ folds stitched, conservative\): net pnl [+-][\d,.]+ USDT/,
      );
      assert.match(r.stdout, /OOS \/ IS efficiency: /);
      // the mock run is deterministic: its verdict is pinned
      assert.match(r.stdout, /Verdict: NO-EDGE\. No edge: even in sample/);
      assert.match(r.stdout, /Report: .*runs\/.*-walk-forward-.*\/summary\.html/);
    });
    await t.step("writes every file; the JSON and CSV agree on the folds", async () => {
      const files = await runFiles(a);
      const json = JSON.parse(new TextDecoder().decode(files["walk_forward.json"]));
      assert.equal(json.kind, "walk_forward");
      assert.equal(json.folds.length, 13);
      assert.equal(json.plan.skipped_combinations, 2);
      const csv = new TextDecoder().decode(files["folds.csv"]).trimEnd().split("\n");
      assert.equal(csv.length, 14);
      assert.match(
        csv[0],
        /^fold,status,train_from,train_to,test_from,test_to,train_candles,test_candles,fast,slow,is_objective,oos_objective/,
      );
      // each test window follows its train window, and the next one follows it
      for (let k = 0; k < json.folds.length; k++) {
        const f = json.folds[k];
        assert.equal(f.test.start_index, f.train.end_index);
        assert.equal(f.test.candles, 288);
        if (k > 0) assert.equal(f.test.start_index, json.folds[k - 1].test.end_index);
      }
      // the stitched curve holds the used folds' test candles
      const used = json.folds.filter((f: { status: string }) => f.status === "used").length;
      const eq = new TextDecoder().decode(files["oos_equity.csv"]).trimEnd().split("\n");
      assert.equal(eq[0], "ts,fold,equity,equity_optimistic");
      assert.equal(eq.length - 1, used * 288);
      const stats = JSON.parse(new TextDecoder().decode(files["stats.json"]));
      assert.equal(stats.scope, "out_of_sample");
      // the used folds' OOS pnl in folds.csv add up to the stitched curve's
      const col = csv[0].split(",").indexOf("oos_net_pnl");
      const csvPnl = csv.slice(1).map((l) => l.split(","))
        .filter((c) => c[1] === "used").reduce((a, c) => a + Number(c[col]), 0);
      assert.ok(Math.abs(csvPnl - stats.net_pnl) < 1e-3, `${csvPnl} vs ${stats.net_pnl}`);
      const html = new TextDecoder().decode(files["summary.html"]);
      assert.match(html, /<section class="verdict unsure" id="verdict">/);
      assert.doesNotMatch(html, /<script[^>]+src=/, "nothing loaded from the network");
    });
    await t.step("the same inputs give the same files byte for byte", async () => {
      const again = await runCli(MOCK_RUN, { cwd: b });
      assert.equal(again.code, 0, again.stderr);
      const x = await runFiles(a);
      const y = await runFiles(b);
      for (const f of FILES) assert.deepEqual(x[f], y[f], f);
    });
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("walk-forward CLI: anchored windows, and folds whose train windows no combination passes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "walk-forward",
      "--candles",
      "3000",
      "--grid",
      "fast=5,8",
      "--slow",
      "30",
      "--train",
      "1000",
      "--test",
      "500",
      "--anchored",
      "--min-trades",
      "1000",
      "--objective",
      "net_pnl",
    ], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/walk_forward.json`));
    assert.equal(json.plan.windows, "anchored");
    assert.deepEqual(
      json.folds.map((f: { train: { start_index: number } }) => f.train.start_index),
      [0, 0, 0, 0],
    );
    // no combination trades 1000 times in a train window: every fold is refused, clearly
    for (const f of json.folds) {
      assert.equal(f.status, "no-params");
      assert.match(f.reason, /no combination made --min-trades 1000 trades in the train window/);
    }
    assert.equal(json.verdict, "inconclusive");
    assert.match(r.stdout, /LEFT OUT: no combination made --min-trades 1000/);
    assert.match(r.stdout, /Verdict: INCONCLUSIVE\. Inconclusive: only 0 of 4 folds could be used/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walk-forward CLI: bad input exits 2 with one line and writes nothing", async (t) => {
  const dir = await Deno.makeTempDir();
  const base = ["walk-forward", "--candles", "3000", "--train", "1000", "--test", "500"];
  const cases: [string, string[], RegExp][] = [
    ["no --train", ["walk-forward", "--test", "500"], /^Invalid --train: a window length/],
    [
      "a bad window",
      [...base, "--step", "soon"],
      /^Invalid --step \(got 'soon'\): a number of candles \(8640\) or a duration/,
    ],
    [
      "a duration off the candle grid",
      [...base.slice(0, 4), "7m", "--test", "500"],
      /^Invalid --train 7m: a whole number of candles/,
    ],
    [
      "overlapping test windows",
      [...base, "--step", "100"],
      /^Invalid --step 100 candles: at least --test \(500 candles\)/,
    ],
    [
      "a train window too short for the strategy",
      ["walk-forward", "--train", "60", "--test", "100", "--grid", "slow=20,40"],
      /^Invalid fold 1 train window \(candles 0\.\.59, .*\): at least 90 candles \(the strategy's warm-up 40 \+ 50/,
    ],
    [
      "too few candles for one fold",
      ["walk-forward", "--train", "400", "--test", "200"],
      /^Invalid fold 1 test window \(--train 400 \+ --test 200 candles\): .*only 500 candles, 100 too few/,
    ],
    [
      "an unknown parameter",
      [...base, "--grid", "lookback=5,10"],
      /^Invalid --grid lookback: not a parameter of strategy ema-cross \(its parameters: fast, slow; risk parameters: risk-pct, stop-bps, tp-r, max-leverage\)$/,
    ],
    ["a malformed grid", [...base, "--grid", "fast=5..x"], /^Invalid --grid fast=5\.\.x: /],
    [
      "an empty grid value",
      [...base, "--grid", "--test"],
      /^Invalid --grid: a value after the flag/,
    ],
    [
      "an unknown objective",
      [...base, "--objective", "profit"],
      /^Invalid --objective \(got 'profit'\): net_pnl, sharpe, sortino, calmar, profit_factor/,
    ],
    [
      "--random without a grid",
      [...base, "--random", "5"],
      /^Invalid --random: a --grid to draw the combinations from$/,
    ],
    [
      "a risk value past its limit",
      [...base, "--grid", "max-leverage=5,50"],
      /^Invalid --grid max-leverage=5,50 value 50: /,
    ],
    [
      "a parameter both fixed and swept",
      [...base, "--fast", "5", "--grid", "fast=5,8"],
      /^Invalid --fast: either fixed \(--fast\) or swept \(--grid\), not both$/,
    ],
    [
      "a bad --max-drawdown",
      [...base, "--max-drawdown", "120"],
      /^Invalid --max-drawdown \(got '120'\): /,
    ],
    [
      "min trades 0",
      [...base, "--min-trades", "0"],
      /^Invalid --min-trades \(got '0'\): a number >= 1/,
    ],
    [
      "a parameter flag of another strategy",
      [...base, "--lookback", "20"],
      /^Invalid --lookback: not a parameter of strategy ema-cross/,
    ],
  ];
  try {
    for (const [name, args, want] of cases) {
      await t.step(name, async () => {
        const r = await runCli(args, { cwd: dir });
        assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], want);
        assert.deepEqual(await listRuns(dir), []);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walk-forward CLI: a risk parameter in the grid, workers 1 and 2 identical", async (t) => {
  const args = [...MOCK_RUN, "--grid", "stop-bps=20,40"];
  const one = await Deno.makeTempDir();
  const two = await Deno.makeTempDir();
  try {
    const a = await runCli([...args, "--workers", "1"], { cwd: one });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli([...args, "--workers", "2"], { cwd: two });
    assert.equal(b.code, 0, b.stderr);
    await t.step("one run on this thread, the other on 2 workers", () => {
      assert.match(a.stdout, /, [\d.]+ s on this thread\n/);
      assert.match(b.stdout, /, [\d.]+ s on 2 workers\n/);
      assert.match(b.stdout, /13 folds, 14 combinations/);
    });
    await t.step(
      "stop-bps is swept: chosen per fold, in the fold table and the stability",
      async () => {
        const files = await runFiles(one);
        const json = JSON.parse(new TextDecoder().decode(files["walk_forward.json"]));
        assert.equal(json.plan.skipped_combinations, 4);
        assert.deepEqual(json.grid.map((g: { name: string; kind: string }) => [g.name, g.kind]), [
          ["fast", "strategy"],
          ["slow", "strategy"],
          ["stop-bps", "risk"],
        ]);
        const chosen = json.folds.filter((f: { params: unknown }) => f.params !== null)
          .map((f: { params: Record<string, number> }) => f.params["stop-bps"]);
        assert.ok(chosen.length > 0);
        for (const v of chosen) assert.ok(v === 20 || v === 40, String(v));
        assert.ok(json.stability.some((p: { name: string }) => p.name === "stop-bps"));
        const header = new TextDecoder().decode(files["folds.csv"]).split("\n")[0];
        assert.match(header, /,fast,slow,stop-bps,is_objective,/);
      },
    );
    await t.step("the same files byte for byte with 1 and 2 workers", async () => {
      const x = await runFiles(one);
      const y = await runFiles(two);
      for (const f of FILES) assert.deepEqual(x[f], y[f], f);
    });
  } finally {
    await Deno.remove(one, { recursive: true });
    await Deno.remove(two, { recursive: true });
  }
});

Deno.test("walk-forward CLI: --random N --seed S is deterministic", async (t) => {
  const args = [
    ...MOCK_RUN.filter((a) => !a.startsWith("--grid") && !a.includes("=")),
    "--grid",
    "fast=3..20",
    "--grid",
    "slow=10..60",
    "--grid",
    "stop-bps=15..60",
    "--random",
    "6",
    "--seed",
    "7",
  ];
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir(), await Deno.makeTempDir()];
  try {
    for (const [k, dir] of dirs.entries()) {
      const seed = k === 2 ? ["--seed", "8"] : [];
      const r = await runCli([...args, ...seed], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    const [a, b, c] = await Promise.all(dirs.map(runFiles));
    const plan = (f: Record<string, Uint8Array>) =>
      JSON.parse(new TextDecoder().decode(f["walk_forward.json"])).plan;
    await t.step("6 combinations drawn, the search recorded", () => {
      const p = plan(a);
      assert.deepEqual(p.search, { kind: "random", count: 6, seed: 7 });
      assert.equal(p.combinations + p.skipped_combinations, 6);
    });
    await t.step("the same seed gives the same files byte for byte", () => {
      for (const f of FILES) assert.deepEqual(a[f], b[f], f);
    });
    await t.step("another seed draws other combinations", () => {
      assert.deepEqual(plan(c).search, { kind: "random", count: 6, seed: 8 });
      // the folds, not the whole record (which holds the seed, so always differs)
      const chosen = (f: Record<string, Uint8Array>) =>
        JSON.parse(new TextDecoder().decode(f["walk_forward.json"])).folds.map((
          x: { params: unknown },
        ) => x.params);
      assert.notDeepEqual(chosen(a), chosen(c), "other combinations chosen");
      assert.notDeepEqual(a["folds.csv"], c["folds.csv"]);
    });
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("walk-forward CLI: --max-drawdown constrains the train windows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([...MOCK_RUN, "--max-drawdown", "0.01"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/walk_forward.json`));
    assert.equal(json.plan.max_drawdown_pct, 0.01);
    // no combination keeps its drawdown under 0.01% on 2000 candles: every fold is refused
    for (const f of json.folds) {
      assert.equal(f.status, "no-params");
      assert.match(
        f.reason,
        /^no combination could be chosen in the train window: .*over --max-drawdown 0\.01%/,
      );
    }
    assert.match(r.stdout, /min trades 2, max drawdown 0\.01%, conservative bound/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walk-forward --help documents the flags and the verdict", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli(["walk-forward", "--help"], { cwd: dir });
    assert.equal(r.code, 0);
    for (
      const flag of [
        "--grid",
        "--objective",
        "--train",
        "--test",
        "--step",
        "--anchored",
        "--min-trades",
        "--max-drawdown",
        "--random",
        "--seed",
        "--mock-seed",
        "--workers",
        "--csv",
        "--risk-pct",
      ]
    ) {
      assert.ok(r.stdout.includes(flag), flag);
    }
    assert.match(r.stdout, /OVERFIT when out of sample kept less than half the in-sample edge/);
    const top = await runCli(["--help"], { cwd: dir });
    assert.match(top.stdout, /walk-forward\s+walk-forward analysis/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

realDataTest(
  "walk-forward of ema-cross on the 5m file, 30d train / 7d test",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const r = await runCli([
        "walk-forward",
        "--source",
        "csv",
        "--csv",
        realDataPath(REAL_5M),
        "--grid",
        "fast=6..18:6",
        "--grid",
        "slow=30..90:30",
        "--train",
        "30d",
        "--test",
        "7d",
      ], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/walk_forward.json`));
      // 182 days: the first test window starts on day 30, then one every 7 days while a whole fits
      assert.equal(json.folds.length, 21);
      assert.equal(json.plan.unused_tail_candles, 1440);
      assert.equal(json.folds[0].test.from, "2024-01-31T00:00:00.000Z");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
