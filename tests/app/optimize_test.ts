import assert from "node:assert/strict";
import { exists, runCli, spawnCli, waitFor } from "./_session_helpers.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";

/** A mock sweep: 6 x 5 = 30 combinations, 4 refused (fast >= slow), on 4,000 candles. */
const SWEEP = [
  "optimize",
  "--backtest",
  "4000",
  "--grid",
  "fast=5..30:5",
  "--grid",
  "slow=20..60:10",
  "--min-trades",
  "5",
];
const FILES = ["sweep.json", "results.csv", "best.json", "summary.html"];

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "la-optimize-" });
}

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of FILES) out[f] = await Deno.readTextFile(`${dir}/${f}`);
  return out;
}

function dataRows(csv: string): string[] {
  return csv.trimEnd().split("\n").slice(1);
}

Deno.test("optimize: bad input exits 2 with one line and writes nothing", async (t) => {
  const dir = await tempDir();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["--grid", "lookback=5..10:1"],
        /^Invalid --grid lookback: not a parameter of strategy ema-cross \(its parameters: fast, slow; risk parameters: risk-pct, stop-bps, tp-r, max-leverage\)$/,
      ],
      [["--grid", "fast=5..x"], /^Invalid --grid fast=5\.\.x: a number/],
      [
        ["--grid", "max-leverage=5..25:5"],
        /^Invalid --grid max-leverage=5\.\.25:5 value 25: at most 20/,
      ],
      [["--grid", "fast=5,10", "--shard", "4/4"], /^Invalid --shard '4\/4': K in 0\.\.3/],
      [["--grid", "fast=5,10", "--objective", "cagr"], /^Invalid --objective .*net_pnl, sharpe/],
      [
        ["--grid", "fast=30,40", "--grid", "slow=10,20"],
        /^Invalid --grid: at least one combination .*all 4 refused: fast must be shorter than slow/,
      ],
      [
        ["--grid", "fast=5,10", "--shard-from-env", "4"],
        /^Invalid environment variable JOB_COMPLETION_INDEX/,
      ],
      [
        ["--grid", "fast=5,10", "--heatmap", "slow"],
        /^Invalid --heatmap slow: swept parameters \(swept: fast\)/,
      ],
      [
        ["--grid", "fast=5,10", "--lookback", "5"],
        /^Invalid --lookback: not a parameter of strategy ema-cross/,
      ],
    ];
    for (const [args, want] of cases) {
      await t.step(args.join(" "), async () => {
        const r = await runCli(["optimize", ...args], { cwd: dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr.trim(), want);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      });
    }
    await t.step("nothing was written", () => assert.ok(!exists(`${dir}/runs`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: the same inputs give the same files; a finished sweep re-run runs nothing", async () => {
  const dir = await tempDir();
  try {
    const a = await runCli([...SWEEP, "--out", "a", "--workers", "2"], { cwd: dir });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli([...SWEEP, "--out", "b", "--workers", "1"], { cwd: dir });
    assert.equal(b.code, 0, b.stderr);
    const fa = await files(`${dir}/a`);
    assert.deepEqual(await files(`${dir}/b`), fa, "2 workers and 1 write the same bytes");
    const rows = dataRows(fa["results.csv"]);
    assert.equal(rows.length, 30);
    assert.deepEqual(rows.map((r) => Number(r.split(",")[0])), rows.map((_, i) => i));
    // refused combinations: a row each, counted, never the best
    assert.equal(
      rows.filter((r) => r.includes("invalid: fast must be shorter than slow")).length,
      4,
    );
    const best = JSON.parse(fa["best.json"]);
    assert.deepEqual([best.combinations, best.evaluated, best.invalid], [30, 26, 4]);
    assert.ok(best.best.stats.conservative.trades >= 5);
    assert.match(fa["summary.html"], /id="heatmap"/);
    assert.match(fa["summary.html"], /id="top-table"/);
    assert.match(fa["summary.html"], /id="best-equity"/);
    assert.doesNotMatch(fa["summary.html"], /<script[^>]+src=/, "offline: nothing loaded");
    const again = await runCli([...SWEEP, "--out", "a"], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming: 30 done, 0 to run/);
    assert.deepEqual(await files(`${dir}/a`), fa);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: the default folder is runs/sweep-<fingerprint>, runs/latest points at it", async () => {
  const dir = await tempDir();
  try {
    const r = await runCli(SWEEP, { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const fp = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/sweep.json`)).fingerprint;
    assert.ok(exists(`${dir}/runs/sweep-${fp.slice(0, 12)}/best.json`));
    assert.match(r.stdout, /best #\d+ fast=\d+ slow=\d+: net_pnl/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: a combination's trades_hash is the backtest's for those parameters", async () => {
  const dir = await tempDir();
  try {
    const s = await runCli(
      ["optimize", "--backtest", "4000", "--grid", "fast=7", "--grid", "tp-r=2", "--out", "s"],
      { cwd: dir },
    );
    assert.equal(s.code, 0, s.stderr);
    const bt = await runCli(
      ["--mode", "backtest", "--backtest", "4000", "--fast", "7", "--tp-r", "2"],
      { cwd: dir },
    );
    assert.equal(bt.code, 0, bt.stderr);
    const hash = bt.stdout.match(/trades_hash ([0-9a-f]{64})/)![1];
    const best = JSON.parse(await Deno.readTextFile(`${dir}/s/best.json`));
    assert.equal(best.best.stats.conservative.trades_hash, hash);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: a strategy file swept on 2 workers, its parameters by name or flag name; an edited file is another sweep", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(`${dir}/strategies`);
    const file = `${dir}/strategies/rsi_dip.ts`;
    await Deno.copyFile(new URL("../../strategies/rsi_dip.ts", import.meta.url), file);
    const args = [
      "optimize",
      "--strategy",
      "strategies/rsi_dip.ts",
      "--backtest",
      "4000",
      "--trend-period",
      "20",
      "--grid",
      "oversold=30..45:5",
      "--grid",
      "atr-mult=1,2",
    ];
    const two = await runCli([...args, "--workers", "2", "--out", "two"], { cwd: dir });
    assert.equal(two.code, 0, two.stderr);
    const one = await runCli([...args, "--workers", "1", "--out", "one"], { cwd: dir });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(await files(`${dir}/two`), await files(`${dir}/one`));
    const rows = dataRows(await Deno.readTextFile(`${dir}/two/results.csv`));
    assert.equal(rows.length, 8);
    const header = (await Deno.readTextFile(`${dir}/two/results.csv`)).split("\n")[0];
    assert.match(header, /^index,oversold,atrMult,/);
    const best = JSON.parse(await Deno.readTextFile(`${dir}/two/best.json`));
    assert.equal(best.best.strategy_params.trendPeriod, 20);
    // the backtest of the winner gives the sweep's trades
    const bt = await runCli(
      [
        "--mode",
        "backtest",
        "--strategy",
        "strategies/rsi_dip.ts",
        "--backtest",
        "4000",
        "--trend-period",
        "20",
        ...Object.entries(best.best.params as Record<string, number>)
          .flatMap((
            [k, v],
          ) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]),
      ],
      { cwd: dir },
    );
    assert.equal(bt.code, 0, bt.stderr);
    assert.equal(
      best.best.stats.conservative.trades_hash,
      bt.stdout.match(/trades_hash ([0-9a-f]{64})/)![1],
    );
    // an edited file does not resume the old folder
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n// edited\n");
    const edited = await runCli([...args, "--out", "two"], { cwd: dir });
    assert.equal(edited.code, 2, edited.stderr);
    assert.match(edited.stderr, /strategy_sha256/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs the sweep as `n` shard processes at once, merges them and returns the merged folder's files. */
async function shardedRun(dir: string, args: string[], n: number): Promise<Record<string, string>> {
  const runs = await Promise.all(
    Array.from(
      { length: n },
      (_, k) => runCli([...args, "--shard", `${k}/${n}`, "--workers", "1"], { cwd: dir }),
    ),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const shardDirs = [];
  for await (const e of Deno.readDir(`${dir}/runs`)) {
    if (e.name.includes("-shard-")) shardDirs.push(`runs/${e.name}`);
  }
  assert.equal(shardDirs.length, n);
  const m = await runCli(["optimize", "merge", ...shardDirs.sort().reverse(), "--out", "merged"], {
    cwd: dir,
  });
  assert.equal(m.code, 0, m.stderr);
  return await files(`${dir}/merged`);
}

Deno.test("optimize: 4 shard processes merged give the one-process files byte for byte", async () => {
  const dir = await tempDir();
  try {
    const one = await runCli([...SWEEP, "--out", "one"], { cwd: dir });
    assert.equal(one.code, 0, one.stderr);
    const merged = await shardedRun(dir, SWEEP, 4);
    assert.deepEqual(merged, await files(`${dir}/one`));
    // a shard folder holds its own rows only
    const shard1 = await Deno.readTextFile(
      `${dir}/runs/${
        (await Array.fromAsync(Deno.readDir(`${dir}/runs`))).find((e) =>
          e.name.endsWith("-shard-1-of-4")
        )!.name
      }/results.csv`,
    );
    assert.deepEqual(dataRows(shard1).map((r) => Number(r.split(",")[0])), [
      1,
      5,
      9,
      13,
      17,
      21,
      25,
      29,
    ]);
    await t_mergeRefusals(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function t_mergeRefusals(dir: string) {
  const shardDirs = (await Array.fromAsync(Deno.readDir(`${dir}/runs`)))
    .filter((e) => e.name.includes("-shard-")).map((e) => `runs/${e.name}`).sort();
  const missing = await runCli(["optimize", "merge", ...shardDirs.slice(0, 3), "--out", "m2"], {
    cwd: dir,
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing: 3\/4/);
  assert.ok(!exists(`${dir}/m2`), "nothing written for a refused merge");
  const other = await runCli([...SWEEP, "--min-trades", "6", "--shard", "3/4", "--out", "o3"], {
    cwd: dir,
  });
  assert.equal(other.code, 0, other.stderr);
  const mixed = await runCli(["optimize", "merge", ...shardDirs.slice(0, 3), "o3", "--out", "m3"], {
    cwd: dir,
  });
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /^Invalid o3: a shard of the same sweep/);
  // the merge's own flags are checked before anything is written
  const heat = await runCli(
    ["optimize", "merge", ...shardDirs, "--out", "m4", "--heatmap", "nope"],
    {
      cwd: dir,
    },
  );
  assert.equal(heat.code, 2);
  assert.match(heat.stderr, /^Invalid --heatmap nope: swept parameters/);
  assert.ok(!exists(`${dir}/m4`), "nothing written for a bad --heatmap");
  const three = await runCli(
    ["optimize", "merge", ...shardDirs, "--out", "m5", "--heatmap", "fast,slow,fast"],
    { cwd: dir },
  );
  assert.equal(three.code, 2);
  assert.match(three.stderr, /^Invalid --heatmap fast,slow,fast: one or two swept parameters/);
  // a folder with other files in it is not a sweep's
  await Deno.mkdir(`${dir}/notes`);
  await Deno.writeTextFile(`${dir}/notes/notes.txt`, "mine\n");
  const busy = await runCli(["optimize", "merge", ...shardDirs, "--out", "notes"], { cwd: dir });
  assert.equal(busy.code, 2);
  assert.match(busy.stderr, /^Invalid --out notes: an empty or new folder/);
  assert.deepEqual([...Deno.readDirSync(`${dir}/notes`)].map((e) => e.name), ["notes.txt"]);
}

Deno.test("optimize: a folder holding another sweep is refused, not resumed", async () => {
  const dir = await tempDir();
  try {
    const a = await runCli([...SWEEP, "--out", "x"], { cwd: dir });
    assert.equal(a.code, 0, a.stderr);
    const before = await files(`${dir}/x`);
    const b = await runCli([...SWEEP, "--min-trades", "9", "--out", "x"], { cwd: dir });
    assert.equal(b.code, 2);
    assert.match(
      b.stderr.trim(),
      /^Invalid x: the folder of this sweep to resume, but it holds sweep [0-9a-f]{12} \(different: min_trades\)/,
    );
    assert.deepEqual(await files(`${dir}/x`), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: Ctrl+C stops cleanly; the re-run resumes and ends as an uninterrupted run", async () => {
  const dir = await tempDir();
  // 400 combinations (none refused) on 20,000 candles: long enough to stop in the middle
  const long = [
    "optimize",
    "--backtest",
    "20000",
    "--grid",
    "fast=2..21",
    "--grid",
    "slow=30..49",
  ];
  try {
    const child = spawnCli([...long, "--out", "cut", "--workers", "1"], { cwd: dir });
    const results = `${dir}/cut/results.csv`;
    // the trigger: the first result row is in the file
    await waitFor(
      async () => exists(results) && dataRows(await Deno.readTextFile(results)).length >= 1,
      60_000,
      "the first results row",
    );
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    assert.match(stderr, /Interrupted: \d+\/400 combinations/);
    const cut = dataRows(await Deno.readTextFile(results));
    assert.ok(cut.length >= 1 && cut.length < 400, `${cut.length} rows`);
    assert.ok(!exists(`${dir}/cut/best.json`), "no best.json before the sweep is complete");
    const resumed = await runCli([...long, "--out", "cut", "--workers", "2"], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stderr,
      new RegExp(`resuming: ${cut.length} done, ${400 - cut.length} to run`),
    );
    // the finished combinations were not run again
    assert.match(
      resumed.stdout,
      new RegExp(
        `^Ran ${400 - cut.length} combinations .*\\(${cut.length} done by an earlier run`,
        "m",
      ),
    );
    const whole = await runCli([...long, "--out", "whole"], { cwd: dir });
    assert.equal(whole.code, 0, whole.stderr);
    assert.deepEqual(await files(`${dir}/cut`), await files(`${dir}/whole`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("optimize: a row cut short by a crash is dropped and run again", async () => {
  const dir = await tempDir();
  try {
    const a = await runCli([...SWEEP, "--out", "a"], { cwd: dir });
    assert.equal(a.code, 0, a.stderr);
    const full = await files(`${dir}/a`);
    const lines = full["results.csv"].split("\n");
    // 10 rows kept and half of the 11th, as a killed process may leave them
    const cut = lines.slice(0, 11).join("\n") + "\n" + lines[11].slice(0, 40);
    await Deno.mkdir(`${dir}/b`);
    await Deno.writeTextFile(`${dir}/b/sweep.json`, full["sweep.json"]);
    await Deno.writeTextFile(`${dir}/b/results.csv`, cut);
    const b = await runCli([...SWEEP, "--out", "b"], { cwd: dir });
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /resuming: 10 done, 20 to run/);
    assert.deepEqual(await files(`${dir}/b`), full);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

realDataTest(
  "optimize: 100 combinations on the 5m data, one process vs 4 merged shards",
  async () => {
    const dir = await tempDir();
    const args = [
      "optimize",
      "--source",
      "csv",
      "--csv",
      realDataPath(REAL_5M),
      "--grid",
      "fast=5..50:5",
      "--grid",
      "slow=20..200:20",
    ];
    try {
      const one = await runCli([...args, "--out", "one"], { cwd: dir });
      assert.equal(one.code, 0, one.stderr);
      const merged = await shardedRun(dir, args, 4);
      const single = await files(`${dir}/one`);
      assert.deepEqual(merged, single);
      assert.equal(dataRows(single["results.csv"]).length, 100);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
