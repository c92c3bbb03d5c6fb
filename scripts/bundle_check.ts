/**
 * `deno task bundle-check`: proves the program is compile-ready without the download
 * `deno compile` needs. Bundles main.ts (assets included) into one file, then runs that
 * file from an empty scratch folder with permissions narrowed to that folder: `--help`,
 * a mock backtest that must write runs/latest/summary.html, and a bad flag that must
 * exit 2. Nothing may be read from the source tree at run time.
 */
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
  const bad = await run([...narrow, "--mode", "backtest", "--max-leverage", "50"], work);
  if (bad.code !== 2) fail(`bad flag exited ${bad.code}, expected 2`, bad.stderr);
  console.log(
    `bundle check PASS: ${
      (size / 1024).toFixed(0)
    } KiB bundle ran from a scratch folder with narrow permissions`,
  );
} finally {
  await Deno.remove(scratch, { recursive: true });
}
