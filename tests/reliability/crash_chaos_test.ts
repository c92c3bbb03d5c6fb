/**
 * Crash chaos: a real `watchdog -- --mode live-session --source bitunix --async
 * --execution-mode live` process tree trades against the fake Bitunix while the test
 * SIGKILLs the agent (the watchdog's child) at seeded random moments, some of them while
 * a place_order answer is held back (booked and filled at the venue, not yet
 * acknowledged to the agent). After every restart: no duplicate clientId at the venue,
 * reconciliation explains what it finds, and the agent's journal and heartbeat position
 * equal the venue's; over the whole run every venue trade is reported exactly once in
 * `order.filled` events. The venue is unkind: every order fills in two trades in one
 * millisecond with ids crossing from 999 to 1000, and another symbol is traded by hand. Last, a position opened behind the agent's back makes the next
 * start refuse to trade and say what it found.
 *
 * Market time is compressed (see tests/fakes/fast_market.ts): one 1m bar closes every ~0.4 s.
 */
import assert from "node:assert/strict";
import { bucketStart } from "../../src/core/candle.ts";
import { createRng } from "../../src/data/rng.ts";
import { readPidFile } from "../../src/ops/pid_file.ts";
import { type FakeBitunix, startFakeBitunix } from "../fakes/fake_bitunix.ts";
import {
  cleanEnv,
  MAIN_TS,
  readJsonl,
  type Rec,
  runCli,
  tempWorkspace,
  waitFor,
} from "../app/_session_helpers.ts";
import { chaosKline, startChaosProxy, startMarketClock } from "../fakes/fast_market.ts";

const SEED = 20240301;
const KILLS = 20;
const MIN = 60_000;

const AGENT_ARGS = [
  "--mode",
  "live-session",
  "--source",
  "bitunix",
  "--async",
  "--execution-mode",
  "live",
  "--interval",
  "1m",
  "--strategy",
  "ema-cross",
  "--fast",
  "2",
  "--slow",
  "5",
  "--warmup",
  "10",
  // small enough that the day's 50 USD loss budget lasts the whole run: an agent that the
  // budget stops from entering has no order to hold in flight
  "--risk-pct",
  "0.01",
  "--duration",
  "30",
  "--stale-timeout",
  "30",
  "--heartbeat-interval",
  "0.1",
];

/** Candle open time encoded in one of our client ids (`la<key>-<ts36>-<tag>`). */
function candleOf(clientId: string): number {
  return parseInt(clientId.split("-")[1], 36);
}

function readJson(path: string): Rec | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return null;
  }
}

function venuePosition(fake: FakeBitunix): { side: string; qty: number } | null {
  const p = fake.state.positions.find((x) => x.symbol === "BTCUSDT");
  return p ? { side: p.side.toLowerCase(), qty: p.qty } : null;
}

function assertNoDuplicateClientIds(fake: FakeBitunix, when: string): void {
  const ids = fake.state.orders.map((o) => o.clientId);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dup, [], `duplicate clientId at the venue ${when}`);
}

Deno.test("crash chaos: SIGKILLed live agent under the watchdog", async () => {
  const t0 = performance.now();
  const rng = createRng(SEED);
  const ws = await tempWorkspace();
  const logs = `${ws.dir}/logs`;
  // no real-time snapshot on subscribe: every push carries market time
  const fake = startFakeBitunix({ wsSnapshot: false });
  const kline = chaosKline(SEED);
  fake.state.klineFn = (ts) => kline(ts);
  // an unkind venue: every order fills in two trades in one millisecond, with trade ids
  // that cross from 999 to 1000 (they do not sort as text), and somebody trades another
  // symbol on the same account
  fake.state.nextTradeId = 995;
  fake.inject.splitFills([1, 2], 100_000);
  fake.state.prices = { ETHUSDT: 3_000 };
  const clock = startMarketClock(fake, kline, {
    start: bucketStart(Date.now(), MIN),
    msPerBar: 200,
    ticksPerBar: 8,
  });
  const proxy = startChaosProxy(fake, clock, kline);
  const env = {
    BITUNIX_BASE_URL: proxy.baseUrl,
    BITUNIX_WS_URL: fake.wsUrl,
    BITUNIX_API_KEY: fake.apiKey,
    BITUNIX_API_SECRET: fake.apiSecret,
    SKIP_LIVE_CONFIRM: "TRUE",
  };
  const output: string[] = [];
  const watchdog = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN_TS,
      "watchdog",
      "--restart-delay",
      "0.1",
      "--max-restarts",
      "50",
      "--window",
      "2",
      "--stale-after",
      "0",
      "--kill-grace",
      "5",
      "--",
      ...AGENT_ARGS,
    ],
    cwd: ws.dir,
    env: cleanEnv(env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const drains = [watchdog.stdout, watchdog.stderr].map(async (s) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) output.push(chunk);
  });
  let exited = false;
  const status = watchdog.status.then((s) => {
    exited = true;
    return s;
  });
  const system = () => readJsonl(`${logs}/system.jsonl`);
  const reconciles = () => system().filter((e) => e.event === "reconcile.finished");
  let kills = 0;
  let heldKills = 0;
  let settleChecks = 0;
  const phases: string[] = [];

  /** Waits for the child's reconciliation number `n` (1-based); returns its runId. */
  async function reconciled(n: number): Promise<string> {
    await waitFor(() => exited || reconciles().length >= n, 30_000, `reconcile #${n}`);
    assert.equal(exited, false, "the watchdog is still running");
    const rec = reconciles()[n - 1];
    assert.notEqual(
      rec.status,
      "mismatch",
      `restart ${n - 1}: unexplained mismatch: ${JSON.stringify(rec.findings)}`,
    );
    return rec.runId;
  }

  /**
   * Freezes market time and closes bars one at a time until the agent has processed a
   * bar on which it sent no order (every earlier order is then filled at the venue and
   * drained by the agent); then its journal and heartbeat must show the venue's position.
   */
  async function settleAndCompare(runId: string, what: string): Promise<void> {
    clock.freeze();
    try {
      for (let step = 0; step < 12; step++) {
        clock.stepBar();
        const bar = clock.lastClosed();
        await waitFor(
          () => {
            const hb = readJson(`${logs}/heartbeat.json`);
            return hb?.runId === runId && hb.lastCandleTs === bar;
          },
          15_000,
          `${what}: agent processed bar ${bar}`,
        );
        const sentNow = fake.requestsTo("/trade/place_order")
          .some((r) => r.clientId !== undefined && candleOf(r.clientId) === bar);
        if (sentNow) continue;
        const journal = readJson(`${logs}/live-journal-BTCUSDT.json`);
        const hb = readJson(`${logs}/heartbeat.json`);
        const venue = venuePosition(fake);
        const view = (p: Rec | null | undefined) => p ? { side: p.side, qty: p.qty } : null;
        assert.deepEqual(view(journal?.position), venue, `${what}: journal position = venue`);
        assert.deepEqual(view(hb?.position), venue, `${what}: heartbeat position = venue`);
        settleChecks++;
        return;
      }
      assert.fail(`${what}: the agent kept sending orders on every bar`);
    } finally {
      clock.resume();
    }
  }

  try {
    let runId = await reconciled(1);
    await settleAndCompare(runId, "first start");
    for (let k = 0; k < KILLS; k++) {
      const pid = readPidFile(`${logs}/agent.pid`);
      assert.equal(pid.status, "ok");
      if (pid.status !== "ok") break;
      const inFlight = rng.next() < 0.4;
      if (inFlight) {
        proxy.holdNextOrders(1, 5_000);
        await waitFor(() => proxy.held.size > 0, 20_000, "an order in flight");
        const [held] = proxy.held;
        // in flight from the venue's side: booked (and filled), answer not delivered
        assert.ok(fake.state.orders.some((o) => o.clientId === held.clientId));
        heldKills++;
      } else {
        await new Promise((r) => setTimeout(r, 50 + rng.int(800)));
      }
      if (k === 5) fake.inject.manualTrade({ symbol: "ETHUSDT", side: "SELL", qty: 1 });
      const ta = performance.now();
      Deno.kill(pid.pid, "SIGKILL");
      proxy.holdNextOrders(0, 0);
      kills++;
      runId = await reconciled(k + 2);
      const tb = performance.now();
      assertNoDuplicateClientIds(fake, `after restart ${k + 1}`);
      await settleAndCompare(runId, `restart ${k + 1}`);
      phases.push(`${Math.round(tb - ta)}/${Math.round(performance.now() - tb)}`);
    }

    // graceful end: the watchdog forwards SIGTERM; the agent saves and exits 0
    watchdog.kill("SIGTERM");
    const st = await status;
    assert.equal(st.code, 0, output.join(""));
    await Promise.all(drains);
    assertNoDuplicateClientIds(fake, "at the end");

    // every venue trade of the agent's orders reported exactly once across all runs (each
    // order's trades in one order.filled event), nothing reported twice, no other symbol
    const filled = system().filter((e) => e.event === "order.filled");
    const reported = new Map<string, number>();
    for (const f of filled) {
      for (const id of f.tradeIds ?? []) reported.set(id, (reported.get(id) ?? 0) + 1);
    }
    const venueFills = fake.state.trades.filter((t) => t.symbol === "BTCUSDT").map((t) =>
      t.tradeId
    );
    assert.ok(venueFills.length >= 10, `fills at the venue: ${venueFills.length}`);
    assert.ok(venueFills.includes("999") && venueFills.includes("1000"), "ids crossed 999");
    const lost = venueFills.filter((id) => !reported.has(id));
    const doubled = [...reported].filter(([, n]) => n > 1).map(([id]) => id);
    const unknown = [...reported.keys()].filter((id) => !venueFills.includes(id));
    assert.deepEqual(
      { lost, doubled, unknown },
      { lost: [], doubled: [], unknown: [] },
      `fills: ${venueFills.length} at the venue, ${filled.length} order.filled events`,
    );
    assert.ok(fake.state.trades.some((t) => t.symbol === "ETHUSDT"), "ETHUSDT was traded");
    assert.ok(filled.every((e) => e.clientId === "" || e.clientId.startsWith("la")));
    assert.ok(kills >= 20 && heldKills >= 3, `kills ${kills}, in flight ${heldKills}`);
    assert.equal(settleChecks, KILLS + 1);

    // a position opened behind the agent's back: the next start refuses and says so
    const before = fake.requestsTo("/trade/place_order").length;
    const pos = fake.state.positions.find((p) => p.symbol === "BTCUSDT");
    if (pos) pos.side = pos.side === "LONG" ? "SHORT" : "LONG";
    else {
      fake.state.positions.push({
        positionId: "intruder",
        symbol: "BTCUSDT",
        side: "LONG",
        qty: 0.5,
        avgOpenPrice: 60_000,
      });
    }
    const refused = await runCli(AGENT_ARGS, { cwd: ws.dir, env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Refusing to trade: the exchange does not match the journal/);
    assert.match(refused.stderr, /venue has a (LONG|SHORT) [\d.]+ BTCUSDT position/);
    const last = reconciles().at(-1)!;
    assert.equal(last.status, "mismatch");
    assert.ok(last.findings.some((f: string) => /venue has a (LONG|SHORT)/.test(f)));
    assert.equal(fake.requestsTo("/trade/place_order").length, before, "no order after refusal");
    assert.ok(!refused.stderr.includes(fake.apiSecret), "the secret is never printed");
  } catch (e) {
    console.error(output.join("").slice(-4_000));
    console.error(Deno.readTextFileSync(`${logs}/heartbeat.json`), clock.lastClosed());
    console.error(
      system().filter((e) => e.event !== "agent.step").slice(-15).map((e) => JSON.stringify(e))
        .join("\n"),
    );
    throw e;
  } finally {
    if (!exited) {
      try {
        watchdog.kill("SIGKILL");
      } catch { /* gone */ }
      const pid = readPidFile(`${logs}/agent.pid`);
      if (pid.status === "ok") {
        try {
          Deno.kill(pid.pid, "SIGKILL");
        } catch { /* gone */ }
      }
    }
    await status;
    await Promise.all(drains).catch(() => {});
    console.error(`restart/settle ms: ${phases.join(" ")}`);
    const n = (ev: string) => system().filter((e) => e.event === ev).length;
    console.error(
      `placed ${n("order.placed")}, duplicate ${n("order.duplicate_ignored")}, failed ${
        n("order.failed")
      }, denied ${n("risk.denied")}, unexpected ${n("fill.unexpected")}`,
    );
    clock.close();
    await proxy.close();
    await fake.close();
    await ws.cleanup();
    console.error(
      `crash chaos: ${kills} kills (${heldKills} with an order in flight), ` +
        `${fake.state.trades.length} venue fills, ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
    );
  }
});
