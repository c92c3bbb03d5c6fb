/**
 * `deno task bundle-check`: proves the program is compile-ready without the download
 * `deno compile` needs. Bundles main.ts (assets included) into one file, then runs that
 * file from an empty scratch folder with permissions narrowed to that folder: `--help`,
 * a mock backtest that must write runs/latest/summary.html, a user strategy file from
 * the scratch folder's strategies/ (the repository's example, copied: it imports types
 * only, so nothing is resolved from the source tree) in --help and in a backtest with a
 * parameter flag, a 150,000-row CSV backtest (the two-core path, whose worker file a
 * bundle does not have), and a bad flag that must exit 2. Nothing may be read from the source
 * tree at run time.
 */
import { generateMockCandles } from "../src/data/mock_candles.ts";
import { seriesToCsv } from "../src/data/tile_series.ts";

const deno = Deno.execPath();
const root = new URL("..", import.meta.url).pathname;
const scratch = await Deno.makeTempDir({ prefix: "laptop-agents-bundle-" });
const bundle = `${scratch}/laptop-agents.js`;

async function run(args: string[], cwd: string) {
  const out = await new Deno.Command(deno, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function fail(msg: string, detail = ""): never {
  console.error(`bundle check FAILED: ${msg}\n${detail}`);
  Deno.exit(1);
}

try {
  const b = await run(
    ["bundle", "--quiet", "--platform", "deno", "-o", bundle, `${root}main.ts`],
    root,
  );
  if (b.code !== 0) fail("deno bundle failed", b.stderr);
  const size = (await Deno.stat(bundle)).size;
  const work = `${scratch}/work`;
  await Deno.mkdir(work);
  const narrow = ["run", `--allow-read=${work},${bundle}`, `--allow-write=${work}`, bundle];
  const help = await run([...narrow, "--help"], work);
  if (help.code !== 0 || !help.stdout.includes("--mode backtest")) {
    fail("--help", help.stdout + help.stderr);
  }
  const bt = await run(
    [...narrow, "--mode", "backtest", "--source", "mock", "--backtest", "400"],
    work,
  );
  if (bt.code !== 0) fail("mock backtest from the bundle", bt.stdout + bt.stderr);
  for (
    const f of [
      "summary.html",
      "trades.csv",
      "equity.csv",
      "stats.json",
      "events.jsonl",
      "config.json",
    ]
  ) {
    await Deno.stat(`${work}/runs/latest/${f}`).catch(() => fail(`runs/latest/${f} missing`));
  }
  const html = await Deno.readTextFile(`${work}/runs/latest/summary.html`);
  if (!html.includes("Chart.js")) fail("summary.html lacks the inlined chart.js");
  await Deno.mkdir(`${work}/strategies`);
  await Deno.copyFile(`${root}strategies/rsi_dip.ts`, `${work}/strategies/rsi_dip.ts`);
  const userHelp = await run(
    [...narrow, "--mode", "backtest", "--strategy", "strategies/rsi_dip.ts", "--help"],
    work,
  );
  if (userHelp.code !== 0 || !userHelp.stdout.includes("--trend-period")) {
    fail("--help with a user strategy file", userHelp.stdout + userHelp.stderr);
  }
  const user = await run(
    [
      ...narrow,
      "--mode",
      "backtest",
      "--source",
      "mock",
      "--backtest",
      "3000",
      "--strategy",
      "strategies/rsi_dip.ts",
      "--trend-period",
      "20",
    ],
    work,
  );
  if (user.code !== 0 || !user.stdout.includes("rsi-dip(rsiPeriod=14")) {
    fail("backtest of a user strategy file from the bundle", user.stdout + user.stderr);
  }
  const userConfig = JSON.parse(await Deno.readTextFile(`${work}/runs/latest/config.json`));
  if (userConfig.strategy_file !== `file://${await Deno.realPath(work)}/strategies/rsi_dip.ts`) {
    fail("config.json does not record the strategy file", JSON.stringify(userConfig));
  }
  // a CSV big enough for the two-core path: the bundle has no worker file beside it, so
  // the worker (started early for a CSV run) fails to load and the run goes on one core
  const candles = generateMockCandles({ count: 150_000, interval: "5m", seed: 3 });
  await Deno.writeTextFile(`${work}/candles.csv`, seriesToCsv(candles));
  const csv = await run(
    [...narrow, "--mode", "backtest", "--source", "csv", "--csv", "candles.csv"],
    work,
  );
  if (csv.code !== 0 || !csv.stdout.includes("150,000 candles")) {
    fail("CSV backtest from the bundle", csv.stdout + csv.stderr);
  }
  const bad = await run([...narrow, "--mode", "backtest", "--max-leverage", "50"], work);
  if (bad.code !== 2) fail(`bad flag exited ${bad.code}, expected 2`, bad.stderr);
  console.log(
    `bundle check PASS: ${
      (size / 1024).toFixed(0)
    } KiB bundle ran from a scratch folder with narrow permissions (a user strategy file too)`,
  );
} finally {
  await Deno.remove(scratch, { recursive: true });
}
