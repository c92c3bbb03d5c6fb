/**
 * A strategy from a file (`--strategy ./x.ts`) through the real CLI: its declared
 * parameters as flags and config keys, --help, every mode (backtest, orchestrated, paper
 * session, replay), and the refusals of bad files.
 */
import assert from "node:assert/strict";
import { exists, readJsonl, runCli, tempWorkspace } from "./_session_helpers.ts";

/** A short paper session on the mock feed, fast. */
const PAPER_ON_MOCK = [
  "--mode",
  "live-session",
  "--source",
  "mock",
  "--execution-mode",
  "paper",
  "--speed",
  "6000",
  "--duration",
  "0.05",
];

const EXAMPLE = new URL("../../strategies/rsi_dip.ts", import.meta.url).pathname;
const KIT = new URL("../../src/strategy/mod.ts", import.meta.url).pathname;

/** A small kit-form strategy file; `body` is the onCandle body (ctx in scope). */
function strategyFile(name: string, body: string, params = "z.object({})"): string {
  return `import type { StrategyKit } from "${KIT}";
export default ({ z, defineStrategy }: StrategyKit) => defineStrategy({
  name: "${name}",
  summary: "a test strategy",
  params: ${params},
  create: () => ({ warmup: 5, onCandle(ctx) { ${body} } }),
});
`;
}

Deno.test("a strategy file runs in every mode with its parameters as flags", async (t) => {
  const ws = await tempWorkspace();
  try {
    await Deno.mkdir(`${ws.dir}/strategies`);
    await Deno.copyFile(EXAMPLE, `${ws.dir}/strategies/rsi_dip.ts`);
    const file = "strategies/rsi_dip.ts";
    const fileUrl = `file://${await Deno.realPath(ws.dir)}/${file}`;

    await t.step("--help with --strategy FILE lists its parameters", async () => {
      const r = await runCli(["--mode", "backtest", "--strategy", file, "--help"], { cwd: ws.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /rsi-dip \(strategies\/rsi_dip\.ts\): long on an RSI dip/);
      assert.match(r.stdout, /--rsi-period\s+RSI length \(default 14\)/);
      assert.match(r.stdout, /--atr-mult\s+stop distance in ATR\(14\)s \(default 2\)/);
      // the research commands' help too
      for (const command of ["optimize", "walk-forward"]) {
        const h = await runCli([command, "--strategy", file, "--help"], { cwd: ws.dir });
        assert.equal(h.code, 0, h.stderr);
        assert.match(h.stdout, /--trend-period\s+trend EMA length \(default 200\)/, command);
      }
    });

    await t.step("backtest: flags and config keys set its parameters", async () => {
      await Deno.writeTextFile(
        `${ws.dir}/c.json`,
        JSON.stringify({ strategy: file, "trend-period": 50, oversold: 40 }),
      );
      const r = await runCli(
        ["--mode", "backtest", "--config", "c.json", "--atr-mult", "1.5", "--backtest", "4000"],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /rsi-dip\(rsiPeriod=14, oversold=40, trendPeriod=50, atrMult=1.5\)/);
      const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
      assert.equal(config.strategy, "rsi-dip");
      assert.equal(config.strategy_file, fileUrl);
      assert.deepEqual(config.strategy_params, {
        rsiPeriod: 14,
        oversold: 40,
        trendPeriod: 50,
        atrMult: 1.5,
      });
      const stats = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/stats.json`));
      assert.ok(stats.trades > 0, "it trades");
    });

    await t.step("walk-forward records the file it ran", async () => {
      const r = await runCli(
        [
          "walk-forward",
          "--strategy",
          file,
          "--candles",
          "6000",
          "--train",
          "2000",
          "--test",
          "1000",
          "--trend-period",
          "20",
          "--grid",
          "oversold=40,45",
          "--min-trades",
          "1",
          "--workers",
          "1",
        ],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
      assert.equal(config.strategy, "rsi-dip");
      assert.equal(config.strategy_file, fileUrl);
    });

    await t.step("orchestrated, then its replay matches every decision", async () => {
      const r = await runCli(
        ["--mode", "orchestrated", "--strategy", file, "--oversold", "45", "--backtest", "800"],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const rep = await runCli(["--replay", "runs/latest/events.jsonl"], { cwd: ws.dir });
      assert.equal(rep.code, 0, rep.stderr);
      assert.match(rep.stdout, /all match/);
    });

    await t.step("paper session on the mock feed", async () => {
      const r = await runCli(
        [
          ...PAPER_ON_MOCK,
          "--strategy",
          file,
          "--trend-period",
          "20",
        ],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const started = readJsonl(`${ws.dir}/runs/latest/events.jsonl`)
        .find((e) => e.event === "run.started");
      assert.equal(started?.config?.strategy, "rsi-dip");
      assert.equal(started?.config?.strategy_file, fileUrl);
      assert.equal(started?.config?.strategy_params?.trendPeriod, 20);
      const rep = await runCli(["--replay", "runs/latest/events.jsonl"], { cwd: ws.dir });
      assert.equal(rep.code, 0, rep.stderr);
      assert.match(rep.stdout, /all match/);
    });

    await t.step("a replay whose strategy file is gone says so", async () => {
      await Deno.rename(`${ws.dir}/strategies/rsi_dip.ts`, `${ws.dir}/strategies/moved.ts`);
      const rep = await runCli(["--replay", "runs/latest/events.jsonl"], { cwd: ws.dir });
      assert.equal(rep.code, 2);
      assert.match(
        rep.stderr.trim(),
        /^Invalid replay file .*strategy file file:\/\/.*rsi_dip\.ts: /,
      );
      assert.equal(rep.stderr.trim().split("\n").length, 1);
    });
  } finally {
    await ws.cleanup();
  }
});

Deno.test("a relative path missing from the working folder is looked up in the program's strategies/", async () => {
  // what lets a compiled binary run the strategies compiled into it
  const ws = await tempWorkspace();
  try {
    const r = await runCli(
      ["--mode", "backtest", "--strategy", "strategies/rsi_dip.ts", "--backtest", "500"],
      { cwd: ws.dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
    assert.equal(config.strategy_file, new URL(EXAMPLE, "file:///").href);
  } finally {
    await ws.cleanup();
  }
});

Deno.test("a bad strategy file or parameter: exit 2, one line naming it, nothing written", async (t) => {
  const ws = await tempWorkspace();
  try {
    const cases: [string, string, string[], RegExp][] = [
      ["missing", "", [], /^Invalid --strategy \.\/missing\.ts: a strategy file that exists/],
      [
        "syntax",
        "export default {",
        [],
        /^Invalid --strategy \.\/syntax\.ts: a strategy module that loads/,
      ],
      ["nodefault", "export const x = 1;", [], /a default export/],
      [
        "badname",
        strategyFile("Bad Name", "return 0;"),
        [],
        /name: 1-40 lowercase letters/,
      ],
      [
        "builtin",
        strategyFile("ema-cross", "return 0;"),
        [],
        /a name of its own \(ema-cross is a built-in strategy's\)/,
      ],
      [
        "nodefault-param",
        strategyFile("p1", "return 0;", "z.object({ n: z.number() })"),
        [],
        /parameter n: a default/,
      ],
      [
        "clash",
        strategyFile("p2", "return 0;", "z.object({ interval: z.number().default(3) })"),
        [],
        /strategy p2 parameter interval: a name that is not one of the command's own flags/,
      ],
      [
        "range",
        strategyFile("p3", "return 0;", "z.object({ len: z.number().int().min(2).default(5) })"),
        ["--len", "1"],
        /^Invalid p3 parameters --len: /,
      ],
      [
        "nullcreate",
        strategyFile("p5", "return 0;").replace(/create: .*$/m, "create: () => null,"),
        [],
        /^Invalid strategy p5: create\(\) returning \{ warmup: number, onCandle\(ctx\) \}/,
      ],
      [
        "other",
        strategyFile("p4", "return 0;"),
        ["--lookback", "5"],
        /^Invalid --lookback: not a parameter of strategy p4 \(its parameters: none\)/,
      ],
    ];
    for (const [name, text, extra, expected] of cases) {
      await t.step(name, async () => {
        if (text) await Deno.writeTextFile(`${ws.dir}/${name}.ts`, text);
        const r = await runCli(
          ["--mode", "backtest", "--strategy", `./${name}.ts`, "--backtest", "300", ...extra],
          { cwd: ws.dir },
        );
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], expected);
        assert.ok(!exists(`${ws.dir}/runs`), "nothing written");
      });
    }
  } finally {
    await ws.cleanup();
  }
});

Deno.test("a strategy file that fails on a candle: a backtest ends naming it, a paper session halts", async (t) => {
  const ws = await tempWorkspace();
  try {
    await Deno.writeTextFile(
      `${ws.dir}/thrower.ts`,
      strategyFile("thrower", "if (ctx.bars.index === 40) throw new Error('bad day'); return 1;"),
    );
    await Deno.writeTextFile(
      `${ws.dir}/peeker.ts`,
      strategyFile("peeker", "return ctx.bars.close(-1) > ctx.bars.close() ? 1 : -1;"),
    );
    await t.step("backtest: exit 1, the strategy and the candle named", async () => {
      const r = await runCli(["--mode", "backtest", "--strategy", "./thrower.ts"], { cwd: ws.dir });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Strategy thrower failed on the candle of \d{4}-.*it threw Error: bad day/,
      );
    });
    await t.step("reading a later candle fails loudly", async () => {
      const r = await runCli(["--mode", "backtest", "--strategy", "./peeker.ts"], { cwd: ws.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Strategy peeker failed .*cannot read a candle after the current one/);
    });
    await t.step("paper session: trading halts, the session ends cleanly", async () => {
      // long until it throws, short after: asked again, it would turn the position round
      await Deno.writeTextFile(
        `${ws.dir}/flipper.ts`,
        strategyFile(
          "thrower",
          "if (ctx.bars.index === 40) throw new Error('bad day'); return ctx.bars.index > 40 ? -1 : 1;",
        ),
      );
      const r = await runCli(
        [
          ...PAPER_ON_MOCK,
          "--warmup",
          "30",
          "--strategy",
          "./flipper.ts",
        ],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const events = readJsonl(`${ws.dir}/runs/latest/events.jsonl`);
      const failed = events.filter((e) => e.event === "strategy.failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0].strategy, "thrower");
      // halted: no order is placed after the failure
      const at = events.indexOf(failed[0]);
      assert.deepEqual(events.slice(at).filter((e) => e.event === "order.placed"), []);
    });
  } finally {
    await ws.cleanup();
  }
});
