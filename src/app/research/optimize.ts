import { formatFlagHelp } from "../../config/argv.ts";
import { fmtSigned } from "../../dashboard/report/format.ts";
import {
  heatmapFlag,
  MERGE_FLAGS,
  OPTIMIZE_FLAGS,
  type OptimizeConfig,
  resolveOptimizeConfig,
} from "../../config/optimize_config.ts";
import { InputError } from "../../core/errors.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { writeTextFileAtomicSync } from "../../ops/atomic_write.ts";
import { readLines } from "../../ops/read_lines.ts";
import { writeAllBytesSync } from "../../ops/write_bytes.ts";
import { pointLatest } from "../../ops/run_store.ts";
import { otherBound } from "../../engine/backtest_report.ts";
import { evaluateCombination } from "../../research/evaluate.ts";
import { manifestJson, parseManifest, type SweepManifest } from "../../research/manifest.ts";
import { checkShardSet, RowSequence, type ShardFile } from "../../research/merge.ts";
import { objectiveValue, ranksAbove } from "../../research/objective.ts";
import { PlainProgress, progressLine } from "../../research/progress.ts";
import type { ResultRow } from "../../research/results_csv.ts";
import { shardSize, WHOLE } from "../../research/shard.ts";
import { definitionFor } from "../../research/strategy_source.ts";
import {
  inProcessEvaluator,
  runSweep,
  type StreamingEvaluator,
} from "../../research/sweep_loop.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags, strategiesHelp } from "../_flags.ts";
import { bestParams, finishSweep, type SweepFinish } from "./optimize_finish.ts";
import { SweepPool } from "./optimize_pool.ts";
import {
  candlesOf,
  checkSweepConfig,
  heatmapPositions,
  loadSweepCandles,
  setupOf,
  shardOf,
  sweepDir,
  sweepId,
  type SweepSetup,
} from "./optimize_setup.ts";

/** Exit code of a sweep stopped by Ctrl+C (128 + SIGINT), resumable. */
export const INTERRUPTED_EXIT = 130;

/** A sweep's folder holds nothing but its own files: one without sweep.json must be empty. */
async function refuseOtherFiles(dir: string): Promise<void> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  if (entries.length > 0) {
    throw new InputError(
      `--out ${dir}`,
      "an empty or new folder, or one of this sweep (no sweep.json here)",
    );
  }
}

/** `optimize` (alias `sweep`): parameter sweeps on every core, resumable, in shards. */
export const command: Command = {
  name: "optimize",
  summary: "parameter sweep (grid or seeded random) on every core; shards; optimize merge",
  help: async (argv) =>
    [
      "Usage: laptop-agents optimize --grid NAME=SPEC [--grid ...] [flags]",
      "       laptop-agents optimize merge SHARD_DIR_OR_RESULTS_CSV... [--out DIR]",
      "",
      "Backtests every combination of the swept parameters (or --random N of them, seeded) on",
      "both intrabar bounds, on worker threads sharing one copy of the candles, and writes",
      "runs/sweep-<fingerprint>/: sweep.json (the inputs), results.csv (one row per",
      "combination, in index order, streamed as they finish), best.json and summary.html",
      "(heatmap, top table, the best run's equity). The same inputs give the same files byte",
      "for byte. Ctrl+C stops cleanly (exit 130); the same command again resumes.",
      "",
      "SPEC: lo..hi:step (hi included), a,b,c, one value, or lo..hi (integers; with --random",
      "also a continuous range). NAME: a parameter of the strategy, or risk-pct, stop-bps,",
      "tp-r, max-leverage. Combinations the strategy refuses (e.g. fast >= slow) are skipped",
      "and counted. --shard K/N (K 0-based) runs every N-th combination from K into its own",
      "folder; optimize merge combines all N into exactly the single-machine files.",
      "",
      "Flags:",
      formatFlagHelp(OPTIMIZE_FLAGS),
      "",
      ...await strategiesHelp(argv),
      "",
      "Example: laptop-agents optimize --source csv --csv data.csv.gz --grid fast=5..30:5 \\",
      "           --grid slow=20..100:10 --objective sharpe --min-trades 30",
    ].join("\n"),
  run,
};

async function run(argv: string[]): Promise<number> {
  if (argv[0] === "merge") return await merge(argv.slice(1));
  const { flags } = await parseCommandFlags(argv, OPTIMIZE_FLAGS);
  const config = resolveOptimizeConfig(flags, notice);
  const shard = shardOf(config, (k) => Deno.env.get(k));
  const { definition, inputsWithout } = await checkSweepConfig(config);
  const started = Date.now();
  const candles = await loadSweepCandles(config.candles);
  const setup = setupOf(
    { ...inputsWithout, candles: candles.facts },
    shard,
    definition,
    candles.series,
  );
  const dir = sweepDir(config.runsDir, setup.manifest, config.out);
  const resumed = await openResults(dir, setup);
  const total = shardSize(setup.space.size, shard ?? WHOLE);
  const label = shard === null ? "" : ` shard ${shard.index}/${shard.count}`;
  console.error(
    `Sweep ${sweepId(setup.manifest)}${label}: ${total} combinations of ${definition.name} on ${
      candles.facts.count.toLocaleString("en-US")
    } candles (${candles.facts.description})${
      resumed.rows > 0 ? `; resuming: ${resumed.rows} done, ${total - resumed.rows} to run` : ""
    }; results in ${dir}/results.csv`,
  );
  const outcome = await sweepRows(setup, config, dir, resumed, total);
  const logger = new JsonlLogger({
    path: `${config.logsDir}/system.jsonl`,
    runId: sweepId(setup.manifest),
  });
  const duration = Date.now() - started;
  if (!outcome.complete) {
    logger.emit("info", "optimize", "sweep.interrupted", {
      done: resumed.rows + outcome.written,
      total,
      duration_ms: duration,
      dir,
    });
    logger.close();
    console.error(
      `Interrupted: ${
        resumed.rows + outcome.written
      }/${total} combinations in ${dir}/results.csv; ` +
        "run the same command again to resume.",
    );
    return INTERRUPTED_EXIT;
  }
  console.log(
    `Ran ${outcome.evaluated} combinations in ${
      (outcome.ms / 1000).toFixed(1)
    } s on ${outcome.workers} ${outcome.workers === 1 ? "thread" : "workers"}${
      resumed.rows > 0 ? ` (${resumed.rows} done by an earlier run, not run again)` : ""
    }`,
  );
  if (shard !== null) {
    logger.emit("info", "optimize", "sweep.shard_finished", { total, duration_ms: duration, dir });
    logger.close();
    console.log(
      `Shard ${shard.index}/${shard.count} complete: ${dir}/results.csv (combine all ${shard.count} with: optimize merge DIR...)`,
    );
    return 0;
  }
  const finish = await finishSweep(setup, dir, { heatmap: config.heatmap, top: config.top });
  await pointLatestIfUnder(config.runsDir, dir, setup.manifest);
  logger.emit("info", "optimize", "sweep.finished", {
    combinations: total,
    evaluated: finish.totals.evaluated,
    invalid: finish.totals.invalid,
    eligible: finish.totals.eligible,
    duration_ms: duration,
    dir,
  });
  logger.close();
  console.log(headline(setup, finish, dir));
  return 0;
}

/** Where a sweep's folder stands before this run's rows. */
interface Resumed {
  /** Rows already in results.csv (the shard's first ones). */
  readonly rows: number;
  /** The best eligible objective among them and its index. */
  readonly best: { readonly value: number; readonly index: number } | null;
}

function betterOf(
  best: Resumed["best"],
  row: ResultRow,
  setup: SweepSetup,
): Resumed["best"] {
  if (!row.eligible || row.metrics === null) return best;
  const v = objectiveValue(row.metrics[setup.judging.bound], setup.judging.objective)!;
  return best === null || ranksAbove(v, row.index, best.value, best.index)
    ? { value: v, index: row.index }
    : best;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Opens (or starts) a sweep's folder: a new one gets sweep.json and the header; one of
 * the same sweep is resumed after its last complete row (a row cut short by a crash is
 * dropped); one of another sweep is refused.
 */
async function openResults(dir: string, setup: SweepSetup): Promise<Resumed> {
  const m = setup.manifest;
  const manifestPath = `${dir}/sweep.json`;
  const resultsPath = `${dir}/results.csv`;
  let text: string | null = null;
  try {
    text = await Deno.readTextFile(manifestPath);
  } catch {
    // no sweep here yet
  }
  if (text === null) {
    await refuseOtherFiles(dir);
    await Deno.mkdir(dir, { recursive: true });
    writeTextFileAtomicSync(manifestPath, manifestJson(m));
    writeTextFileAtomicSync(resultsPath, setup.header + "\n");
    return { rows: 0, best: null };
  }
  const old = parseManifest(text, manifestPath);
  if (old.fingerprint !== m.fingerprint || !sameJson(old.shard, m.shard)) {
    const changed = old.fingerprint === m.fingerprint
      ? ["shard"]
      : Object.keys(m.inputs).filter((k) =>
        !sameJson(
          (old.inputs as unknown as Record<string, unknown>)[k],
          (m.inputs as unknown as Record<string, unknown>)[k],
        )
      );
    throw new InputError(
      dir,
      `the folder of this sweep to resume, but it holds sweep ${old.fingerprint.slice(0, 12)} ` +
        `(different: ${changed.join(", ") || "format"}); use another --out or remove it`,
    );
  }
  const seq = new RowSequence(resultsPath, m.shard ?? WHOLE, m.inputs.axes.length);
  let best: Resumed["best"] = null;
  let goodEnd = 0;
  let size = 0;
  try {
    size = (await Deno.stat(resultsPath)).size;
  } catch {
    writeTextFileAtomicSync(resultsPath, setup.header + "\n");
    return { rows: 0, best: null };
  }
  for await (const l of readLines(resultsPath)) {
    if (!l.complete) break; // cut short by a crash: dropped, run again
    if (l.lineNo === 1) {
      if (l.text !== setup.header) {
        throw new InputError(`${resultsPath} line 1`, "this sweep's header");
      }
    } else best = betterOf(best, seq.accept(l.text, l.lineNo), setup);
    goodEnd = l.end;
  }
  if (goodEnd === 0) {
    writeTextFileAtomicSync(resultsPath, setup.header + "\n");
  } else if (goodEnd < size) await Deno.truncate(resultsPath, goodEnd);
  return { rows: seq.rows, best };
}

/** What this run's rows came to. */
interface RowsOutcome {
  readonly written: number;
  readonly evaluated: number;
  readonly complete: boolean;
  readonly ms: number;
  readonly workers: number;
}

/** Runs the rest of the sweep's rows with progress and Ctrl+C handling. */
async function sweepRows(
  setup: SweepSetup,
  config: OptimizeConfig,
  dir: string,
  resumed: Resumed,
  total: number,
): Promise<RowsOutcome> {
  const remaining = total - resumed.rows;
  if (remaining === 0) return { written: 0, evaluated: 0, complete: true, ms: 0, workers: 0 };
  const want = Math.max(
    1,
    Math.min(config.workers ?? navigator.hardwareConcurrency ?? 1, remaining),
  );
  const pool = await SweepPool.start({
    workers: want,
    spec: setup.manifest.inputs.strategy,
    series: setup.series,
    intervalMs: setup.intervalMs,
    base: setup.base,
  });
  const ctx = { definition: setup.definition, intervalMs: setup.intervalMs, base: setup.base };
  const evaluator: StreamingEvaluator = pool?.evaluator() ??
    inProcessEvaluator((job) => evaluateCombination(ctx, setup.series, job.combination));
  if (pool === null) notice("Notice: workers are unavailable here; evaluating on this thread.");
  let stopping = false;
  const onSignal = () => {
    if (stopping) {
      pool?.close(); // a second Ctrl+C: stop now (the rows written so far stay)
      return;
    }
    stopping = true;
    console.error("\nStopping: finishing the combinations running now (Ctrl+C again: stop now)...");
  };
  Deno.addSignalListener("SIGINT", onSignal);
  const file = await Deno.open(`${dir}/results.csv`, { append: true });
  const enc = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  const plain = new PlainProgress();
  const started = Date.now();
  let done = resumed.rows;
  let best = resumed.best;
  let lastDraw = 0;
  let lastPrinted = -1;
  const show = (final: boolean) => {
    const now = Date.now();
    const line = progressLine({
      done,
      total,
      resumed: resumed.rows,
      elapsedMs: now - started,
      objective: setup.judging.objective,
      best: best?.value ?? null,
    });
    if (tty) {
      if (final || now - lastDraw >= 200) {
        lastDraw = now;
        Deno.stderr.writeSync(enc.encode(`\r${line}\x1b[K${final ? "\n" : ""}`));
      }
    } else if ((final && lastPrinted !== done) || plain.due(done, total, now)) {
      lastPrinted = done;
      console.error(line);
    }
  };
  let outcome;
  try {
    outcome = await runSweep({
      definition: setup.definition,
      fixed: setup.fixed,
      space: setup.space,
      shard: setup.manifest.shard ?? WHOLE,
      start: resumed.rows,
      judging: setup.judging,
      evaluator,
      write: (line) => {
        writeAllBytesSync(file, enc.encode(line));
        done++;
        show(false);
      },
      stopped: () => stopping,
      onRow: (row) => {
        best = betterOf(best, row, setup);
      },
    });
  } catch (e) {
    if (!stopping) throw e;
    outcome = { written: done - resumed.rows, evaluated: 0, complete: false };
  } finally {
    file.close();
    pool?.close();
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  show(true);
  return { ...outcome, ms: Date.now() - started, workers: pool?.size ?? 1 };
}

/** The files of a finished sweep's folder. */
const SWEEP_FILES = ["sweep.json", "results.csv", "best.json", "summary.html"] as const;

/** Points runs/latest at the sweep's folder when it is directly under runs/. */
async function pointLatestIfUnder(
  runsDir: string,
  dir: string,
  m: SweepManifest,
): Promise<void> {
  const id = sweepId(m);
  if (dir !== `${runsDir}/${id}`) return;
  // a link, or (where links fail) copies of the files from the folder: results.csv may be
  // millions of rows, never read back into memory for this
  await pointLatest(runsDir, id, {}, [...SWEEP_FILES]);
}

function signed(v: number | null): string {
  return v === null ? "n/a" : fmtSigned(v);
}

function headline(setup: SweepSetup, f: SweepFinish, dir: string): string {
  const t = f.totals;
  const { objective, bound } = setup.judging;
  const lines = [
    `Sweep ${
      sweepId(setup.manifest)
    }: ${setup.manifest.combinations} combinations, ${t.evaluated} evaluated, ${t.invalid} refused by the strategy, ${t.eligible} eligible`,
  ];
  const row = t.best;
  if (row === null || f.best === null) {
    lines.push("  no eligible combination (see the note column of results.csv)");
  } else {
    const p = Object.entries(bestParams(setup, row)).map(([k, v]) => `${k}=${v}`).join(" ");
    const other = otherBound(bound);
    const s = f.best[bound];
    lines.push(
      `  best #${row.index} ${p}: ${objective} ${
        signed(objectiveValue(row.metrics![bound], objective))
      } (${bound}), ${signed(objectiveValue(row.metrics![other], objective))} (${other})`,
      `  net pnl ${signed(s.net_pnl)} USDT  trades ${s.trades}  max drawdown ${
        s.max_drawdown_pct.toFixed(2)
      }%  sharpe ${s.sharpe.toFixed(2)}  trades_hash ${s.trades_hash}`,
    );
  }
  const abs = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;
  lines.push(`Results: ${abs}/results.csv`, `Summary: ${abs}/summary.html`);
  return lines.join("\n");
}

/** A shard's folder (or its results.csv) and its manifest. */
async function readShard(path: string): Promise<ShardFile & { readonly results: string }> {
  const isFile = await Deno.stat(path).then((s) => s.isFile, () => null);
  if (isFile === null) {
    throw new InputError(`optimize merge ${path}`, "a shard folder or its results.csv");
  }
  const dir = isFile ? path.slice(0, Math.max(0, path.lastIndexOf("/"))) || "." : path;
  const manifestPath = `${dir}/sweep.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(manifestPath);
  } catch {
    throw new InputError(
      `optimize merge ${path}`,
      `a shard folder with sweep.json (none at ${manifestPath})`,
    );
  }
  return { path: dir, manifest: parseManifest(text, manifestPath), results: `${dir}/results.csv` };
}

/**
 * `optimize merge`: checks the shard files are all the shards of one sweep, complete,
 * then writes the whole sweep's folder: results.csv (rows in index order, the same bytes
 * a one-machine run writes), sweep.json, best.json and summary.html.
 */
async function merge(argv: string[]): Promise<number> {
  const paths: string[] = [];
  let i = 0;
  while (i < argv.length && !argv[i].startsWith("--")) paths.push(argv[i++]);
  const { flags } = await parseCommandFlags(argv.slice(i), MERGE_FLAGS);
  if (paths.length === 0) {
    throw new InputError("optimize merge", "the shard folders (or their results.csv) to merge");
  }
  const shards = await Promise.all(paths.map(readShard));
  const { ordered, manifest } = checkShardSet(shards);
  const inputs = manifest.inputs;
  const definition = await definitionFor(inputs.strategy);
  const candles = await loadSweepCandles(
    candlesOf(inputs.candles, flags["cache-dir"] as string, flags.csv as string | undefined),
  );
  if (candles.facts.sha256 !== inputs.candles.sha256) {
    throw new InputError(
      `candles (${candles.facts.description})`,
      `the candles the shards ran on (${inputs.candles.description}, sha256 ${
        inputs.candles.sha256.slice(0, 12)
      }); give --csv PATH where they are now`,
    );
  }
  const setup = setupOf(inputs, null, definition, candles.series);
  const runsDir = flags["runs-dir"] as string;
  const dir = sweepDir(runsDir, setup.manifest, flags.out as string | undefined);
  // every shard complete and in order, read first: nothing is written for a bad set
  const byShard = (ordered as (ShardFile & { results: string })[]).map((s) => s.results);
  const count = ordered.length;
  for (let k = 0; k < count; k++) {
    const want = shardSize(setup.space.size, { index: k, count });
    let rows = 0;
    const seq = new RowSequence(byShard[k], { index: k, count }, inputs.axes.length);
    for await (const l of readLines(byShard[k])) {
      if (l.lineNo === 1) {
        if (l.text !== setup.header) {
          throw new InputError(`${byShard[k]} line 1`, "this sweep's header");
        }
        continue;
      }
      if (!l.complete) throw new InputError(`${byShard[k]} line ${l.lineNo}`, "a complete row");
      seq.accept(l.text, l.lineNo);
      rows++;
    }
    if (rows !== want) {
      throw new InputError(
        byShard[k],
        `all ${want} rows of shard ${k}/${count} (has ${rows}: not finished; resume it first)`,
      );
    }
  }
  const heatmap = heatmapFlag(flags.heatmap as string | undefined);
  heatmapPositions(inputs.axes.map((a) => a.name), heatmap);
  const existing = await Deno.readTextFile(`${dir}/sweep.json`).catch(() => null);
  if (existing === null) await refuseOtherFiles(dir);
  else if (parseManifest(existing, `${dir}/sweep.json`).fingerprint !== manifest.fingerprint) {
    throw new InputError(dir, "a new folder or one of this sweep (it holds another sweep)");
  }
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.results.csv.tmp-${Deno.pid}`;
  const out = await Deno.open(tmp, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  try {
    writeAllBytesSync(out, enc.encode(setup.header + "\n"));
    const readers = byShard.map((p) => readLines(p));
    try {
      for (const r of readers) await r.next(); // headers
      for (let index = 0; index < setup.space.size; index++) {
        const l = await readers[index % count].next();
        writeAllBytesSync(out, enc.encode(l.value!.text + "\n"));
      }
    } finally {
      for (const r of readers) await r.return(undefined);
    }
  } finally {
    out.close();
  }
  writeTextFileAtomicSync(`${dir}/sweep.json`, manifestJson(setup.manifest));
  await Deno.rename(tmp, `${dir}/results.csv`);
  const finish = await finishSweep(setup, dir, { heatmap, top: flags.top as number });
  await pointLatestIfUnder(runsDir, dir, setup.manifest);
  console.log(`Merged ${count} shards.`);
  console.log(headline(setup, finish, dir));
  return 0;
}
