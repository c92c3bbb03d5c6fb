import assert from "node:assert/strict";
import { runSession } from "../../src/app/session/session_runner.ts";
import { BitunixExchange } from "../../src/exchange/bitunix/mod.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";
import {
  collect,
  exists,
  fastMockFeed,
  readJsonl,
  type Rec,
  runCli,
  sessionConfig,
  SilentAfterFeed,
  spawnCli,
  tapFeed,
  tempWorkspace,
  waitFor,
  type Workspace,
} from "./_session_helpers.ts";
import { instantClient } from "../fakes/fake_venue_access.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when the system log shows an open paper position (more entry fills than exits). */
function paperPositionOpen(ws: Workspace): boolean {
  const fills = readJsonl(`${ws.dir}/logs/system.jsonl`).filter((e) => e.event === "order.filled");
  const entries = fills.filter((f) => f.reason === "entry").length;
  return entries > fills.length - entries;
}

/**
 * Paper session on fixed candles; with `trip`, the kill switch goes TRUE before the first
 * live candle that finds a position open. Returns that candle's time (tripped or not).
 */
async function paperKillRun(trip: boolean) {
  const ws = await tempWorkspace();
  const config = sessionConfig(ws, ["--risk-pct", "0.1"]);
  const lines: string[] = [];
  let tripTs: number | null = null;
  const feed = tapFeed(fastMockFeed(config, { maxLive: 150 }), async (fc) => {
    if (!fc.live) return;
    if (tripTs === null && paperPositionOpen(ws)) {
      tripTs = fc.candle.ts;
      if (trip) Deno.writeTextFileSync(ws.killSwitch, "TRUE\n");
    }
    // after the trip leave the watcher time to see the file (it also polls every 500 ms)
    if (trip && tripTs !== null) await sleep(8);
  });
  const result = await runSession(config, { feed, print: (l) => lines.push(l) });
  const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
  await ws.cleanup();
  return { result, system, lines, tripTs: tripTs as number | null };
}

Deno.test("kill switch tripped mid-session", async (t) => {
  await t.step("paper: no entry after the trip, logged once, exits still pass", async () => {
    const control = await paperKillRun(false);
    assert.ok(control.tripTs !== null, "a position was open during the control run");
    const entriesAfter = (sys: Rec[], ts: number) =>
      sys.filter((e) => e.event === "order.placed" && e.intent === "entry" && e.candleTs >= ts);
    assert.ok(
      entriesAfter(control.system, control.tripTs!).length > 0,
      "without the switch the session enters again",
    );
    assert.equal(control.system.filter((e) => e.event === "killswitch.tripped").length, 0);

    const run = await paperKillRun(true);
    assert.equal(run.tripTs, control.tripTs);
    assert.equal(entriesAfter(run.system, run.tripTs!).length, 0);
    const tripped = run.system.filter((e) => e.event === "killswitch.tripped");
    assert.equal(tripped.length, 1);
    assert.equal(tripped[0].message, "KILL SWITCH DETECTED!");
    assert.equal(run.lines.filter((l) => l.includes("KILL SWITCH DETECTED!")).length, 1);
    // the open position still closes (signal exit, stop or take-profit)
    const exitsAfter = run.system.filter((e) =>
      e.event === "order.filled" && e.reason !== "entry" && e.fillTs >= run.tripTs!
    );
    assert.ok(exitsAfter.length > 0, "an exit filled after the trip");
    assert.equal(run.result.exitCode, 0);
  });

  await t.step("live: no place_order at the venue after the trip except reduce-only", async () => {
    const ws = await tempWorkspace();
    const fake = startFakeBitunix({ price: 60_000 });
    const client = instantClient(fake);
    try {
      const config = sessionConfig(ws, [
        "--source",
        "bitunix",
        "--execution-mode",
        "live",
        "--risk-pct",
        "0.1",
      ]);
      let tripAt = -1;
      const feed = tapFeed(fastMockFeed(config, { maxLive: 150 }), async (fc) => {
        fake.state.price = fc.candle.close;
        if (fc.live && tripAt === -1 && fake.state.positions.length > 0) {
          tripAt = fake.requests.length;
          Deno.writeTextFileSync(ws.killSwitch, "TRUE\n");
        }
        if (tripAt !== -1) await sleep(5);
      });
      const lines: string[] = [];
      const result = await runSession(config, {
        feed,
        liveExchange: new BitunixExchange(client),
        print: (l) => lines.push(l),
      });
      assert.equal(result.exitCode, 0);
      assert.ok(tripAt !== -1, "a venue position was open at some point");
      const after = fake.requests.slice(tripAt).filter((r) => r.path.endsWith("/place_order"));
      for (const r of after) assert.equal(r.body!.reduceOnly, true, JSON.stringify(r.body));
      assert.ok(after.length > 0, "the exit still reached the venue");
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      assert.equal(system.filter((e) => e.event === "killswitch.tripped").length, 1);
      assert.equal(lines.filter((l) => l.includes("KILL SWITCH DETECTED!")).length, 1);
      assert.ok(
        system.some((e) => e.event === "risk.denied" && /kill switch/.test(e.reason)),
        "later entries were denied",
      );
    } finally {
      await fake.close();
      await ws.cleanup();
    }
  });
});

Deno.test("daily loss limit: each entry fits the day's budget; spent, no more entries", async () => {
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, ["--max-daily-loss", "5"]);
    const result = await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 300 }),
      print: () => {},
    });
    assert.equal(result.exitCode, 0);
    const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const denied = system.filter((e) =>
      e.event === "risk.denied" && (e.code === "daily-budget" || e.code === "daily-limit")
    );
    assert.ok(denied.length >= 1, `denials: ${denied.length}`);
    assert.match(denied[0].reason, /left of today's loss limit|reached the 5 USD daily limit/);
    const first = denied[0].candleTs as number;
    const entries = system.filter((e) => e.event === "order.placed" && e.intent === "entry");
    assert.ok(entries.some((e) => e.candleTs < first), "entered before the limit");
    // the day never lost more than the limit, even marked to market at every close
    const stats = JSON.parse(await Deno.readTextFile(`${result.runDir}/stats.json`));
    assert.ok(stats.worst_day.max_loss <= 5 + 1e-6, `worst loss ${stats.worst_day.max_loss}`);
    assert.deepEqual(stats.days_over_daily_limit, []);
    assert.equal(stats.refused_entries.total, denied.length);
  } finally {
    await ws.cleanup();
  }
});

Deno.test("a restart on the same UTC day remembers the day's loss", async () => {
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, ["--max-daily-loss", "5"]);
    const lines: string[] = [];
    await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 300 }),
      print: (l) => lines.push(l),
    });
    const log = () => readJsonl(`${ws.dir}/logs/system.jsonl`);
    const runs = () => [...new Set(log().map((e) => e.runId))];
    const [first] = runs();
    const spent = log().filter((e) =>
      e.runId === first && e.event === "risk.denied" && e.code === "daily-budget"
    );
    assert.ok(spent.length > 0, "the first run spent the day's budget");
    const state = JSON.parse(await Deno.readTextFile(config.statePath));
    assert.ok(state.risk && state.risk.dayStartEquity - state.risk.lastEquity > 4.9);
    // the same candles again, then more of the same UTC day
    await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 600 }),
      print: (l) => lines.push(l),
    });
    const second = runs().find((id) => id !== first)!;
    const again = log().filter((e) => e.runId === second);
    assert.match(
      lines.join("\n"),
      /Remembered for UTC 2024-03-01: loss (4\.9\d|5\.00) of the 5 USD/,
    );
    const entries = again.filter((e) => e.event === "order.placed" && e.intent === "entry");
    assert.deepEqual(entries, [], "no fresh budget after a restart");
    assert.ok(again.some((e) => e.event === "risk.denied" && e.code === "daily-budget"));
  } finally {
    await ws.cleanup();
  }
});

Deno.test("a restart that stops in its warm-up still remembers the day's loss", async () => {
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, ["--max-daily-loss", "5"]);
    await runSession(config, { feed: fastMockFeed(config, { maxLive: 300 }), print: () => {} });
    const spent = JSON.parse(await Deno.readTextFile(config.statePath)).risk;
    assert.ok(spent.dayStartEquity - spent.lastEquity > 4.9, "the first run spent the budget");
    // the next start dies after three history candles of the day before
    let seen = 0;
    const dies = tapFeed(fastMockFeed(config, { maxLive: 300 }), () => {
      if (++seen > 3) throw new Error("killed in the warm-up");
    });
    await assert.rejects(() => runSession(config, { feed: dies, print: () => {} }), /warm-up/);
    const saved = JSON.parse(await Deno.readTextFile(config.statePath)).risk;
    assert.equal(saved.day, spent.day, "the saved day is still the day of the loss");
    // and the start after that has no fresh budget
    const lines: string[] = [];
    await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 600 }),
      print: (l) => lines.push(l),
    });
    assert.match(
      lines.join("\n"),
      /Remembered for UTC 2024-03-01: loss (4\.9\d|5\.00) of the 5 USD/,
    );
    const log = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const last = log.at(-1)!.runId;
    const entries = log.filter((e) =>
      e.runId === last && e.event === "order.placed" && e.intent === "entry"
    );
    assert.deepEqual(entries, []);
  } finally {
    await ws.cleanup();
  }
});

Deno.test("stale feed: safety shutdown", async (t) => {
  await t.step(
    "in process: reason stale, exit 3, working order cancelled, state saved",
    async () => {
      // find the first live candle that sends an entry, then stop the feed right after it
      const probe = await tempWorkspace();
      const probeCfg = sessionConfig(probe);
      await runSession(probeCfg, { feed: fastMockFeed(probeCfg), print: () => {} });
      const entry = readJsonl(`${probe.dir}/logs/system.jsonl`)
        .find((e) => e.event === "order.placed" && e.intent === "entry");
      await probe.cleanup();
      assert.ok(entry, "the candles produce an entry");

      const ws = await tempWorkspace();
      try {
        const config = sessionConfig(ws, ["--stale-timeout", "1"]);
        const items = (await collect(fastMockFeed(config))).filter((fc) =>
          fc.candle.ts <= entry.candleTs
        );
        const lines: string[] = [];
        const t0 = performance.now();
        const result = await runSession(config, {
          feed: new SilentAfterFeed(items),
          staleCheckMs: 50,
          print: (l) => lines.push(l),
        });
        const took = performance.now() - t0;
        assert.equal(result.reason, "stale");
        assert.equal(result.exitCode, 3);
        assert.ok(took >= 1000 && took < 5000, `stopped after ${took} ms`);
        assert.match(lines.join("\n"), /Stale data/);
        const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
        assert.ok(system.some((e) => e.event === "data.stale"));
        const stopped = system.find((e) => e.event === "run.stopped");
        assert.equal(stopped?.reason, "stale");
        assert.equal(stopped?.cancelled, 1, "the pending entry was cancelled");
        assert.equal(stopped?.level, "error");
        const state = JSON.parse(await Deno.readTextFile(config.statePath));
        assert.equal(state.lastCandleTs, entry.candleTs);
        assert.deepEqual(state.sim.pending, []);
        for (const f of ["summary.html", "trades.csv", "equity.csv", "stats.json", "config.json"]) {
          assert.ok(exists(`${result.runDir}/${f}`), f);
        }
      } finally {
        await ws.cleanup();
      }
    },
  );

  await t.step("CLI: a feed that goes quiet exits 3", async () => {
    const ws = await tempWorkspace();
    try {
      const r = await runCli([
        "--mode",
        "live-session",
        "--source",
        "mock",
        "--speed",
        "0.001",
        "--stale-timeout",
        "1",
        "--kill-switch",
        "config/KILL_SWITCH.txt",
      ], { cwd: ws.dir });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /Stale data/);
      assert.ok(exists(`${ws.dir}/runs/latest/summary.html`));
      assert.ok(exists(`${ws.dir}/paper/session-state.json`));
    } finally {
      await ws.cleanup();
    }
  });
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`${signal} stops a session cleanly (exit 0, artifacts, pid removed)`, async () => {
    const ws = await tempWorkspace();
    try {
      const legacy = signal === "SIGINT";
      const child = spawnCli([
        "--mode",
        legacy ? "live" : "live-session",
        "--speed",
        "600",
        "--duration",
        "5",
        "--kill-switch",
        "config/KILL_SWITCH.txt",
      ], { cwd: ws.dir });
      const pidFile = legacy ? `${ws.dir}/paper/mvp.pid` : `${ws.dir}/logs/agent.pid`;
      const events = legacy ? `${ws.dir}/paper/events.jsonl` : null;
      await waitFor(
        () =>
          exists(pidFile) &&
          (events === null || readJsonl(events).some((e) => e.input?.live === true)),
        10_000,
        "a running session",
      );
      child.kill(signal);
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.match(stderr, /Stopping/);
      assert.match(stderr, /stopped \(signal\)/);
      assert.ok(!exists(pidFile), "pid file removed");
      assert.ok(!exists(`${ws.dir}/logs/agent.pid`));
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      assert.equal(system.find((e) => e.event === "run.stopped")?.reason, "signal");
      if (legacy) {
        assert.ok(exists(`${ws.dir}/paper/trades.csv`));
        assert.ok(exists(`${ws.dir}/paper/state.json`));
      } else {
        for (const f of ["summary.html", "trades.csv", "events.jsonl", "stats.json"]) {
          assert.ok(exists(`${ws.dir}/runs/latest/${f}`), f);
        }
      }
    } finally {
      await ws.cleanup();
    }
  });
}
