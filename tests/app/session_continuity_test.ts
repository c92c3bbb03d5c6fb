/**
 * One continuous record: a live session SIGKILLed and restarted several times is one run
 * folder whose trades, equity and stats cover every trade since it began, and a position
 * the venue closed while the agent was down (its stop, a manual close) is booked as a
 * trade with the venue's price, fee and reason, and an `order.filled` marked recovered.
 */
import assert from "node:assert/strict";
import { startFastMarket } from "../fakes/fast_market.ts";
import {
  LIVE_CLI_ARGS,
  readJsonl,
  type Rec,
  runCli,
  spawnCli,
  tempWorkspace,
  waitFor,
} from "./_session_helpers.ts";

const ARGS = [
  ...LIVE_CLI_ARGS.filter((a, i, all) => a !== "--duration" && all[i - 1] !== "--duration"),
  "--duration",
  "10",
  "--heartbeat-interval",
  "0.1",
];

function readJson(path: string): Rec | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return null;
  }
}

function runDirs(dir: string): string[] {
  try {
    return [...Deno.readDirSync(`${dir}/runs`)]
      .filter((e) => e.isDirectory && !e.name.startsWith("."))
      .map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function csvRows(path: string): string[][] {
  return Deno.readTextFileSync(path).trim().split("\n").slice(1).filter((l) => l)
    .map((l) => l.split(","));
}

Deno.test("a live session killed five times is one record of every venue trade", async () => {
  const ws = await tempWorkspace();
  const market = startFastMarket({ seed: 7 });
  const { fake } = market;
  const env = { ...market.env, SKIP_LIVE_CONFIRM: "TRUE" };
  const journalPath = `${ws.dir}/logs/live-journal-BTCUSDT.json`;
  const held = () => fake.state.positions.find((p) => p.symbol === "BTCUSDT");
  try {
    let downCloses = 0;
    for (let k = 0; k < 6; k++) {
      const child = spawnCli(ARGS, { cwd: ws.dir, env });
      const drained = child.output();
      const fillsBefore = fake.state.trades.length;
      // wait until it traded a little and holds a position the journal knows
      await waitFor(
        () =>
          fake.state.trades.length >= fillsBefore + 2 && held() !== undefined &&
          readJson(journalPath)?.session?.position != null,
        20_000,
        `run ${k} holds a position`,
      );
      child.kill("SIGKILL");
      await drained;
      if (k === 1 || k === 3) {
        // while it is down the venue closes its position: its stop, then a manual close
        const p = held()!;
        if (k === 1) {
          const stop = fake.pendingTpsl("BTCUSDT").find((o) => o.slPrice)?.slPrice;
          assert.ok(stop, "the venue holds the agent's stop");
          fake.setPrice(p.side === "LONG" ? Number(stop) - 5 : Number(stop) + 5);
        } else fake.inject.closePosition("BTCUSDT");
        assert.equal(held(), undefined, "closed while the agent is down");
        downCloses++;
      }
    }
    // the last start runs to a clean stop
    const last = await runCli([...LIVE_CLI_ARGS], { cwd: ws.dir, env });
    assert.equal(last.code, 0, last.stderr);

    const dirs = runDirs(ws.dir);
    assert.equal(dirs.length, 1, `one run folder: ${dirs}`);
    const run = `${ws.dir}/runs/${dirs[0]}`;
    const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const filled = system.filter((e) => e.event === "order.filled");
    // every venue trade is in the record's events, once
    const reported = filled.flatMap((e) => e.tradeIds ?? []);
    const venue = fake.state.trades.filter((t) => t.symbol === "BTCUSDT").map((t) => t.tradeId);
    assert.deepEqual([...reported].sort(), [...venue].sort());
    const runEvents = readJsonl(`${run}/events.jsonl`).filter((e) => e.event === "order.filled");
    assert.equal(runEvents.length, filled.length, "all in the run folder's journal");
    // trades.csv: a round trip per venue close, with the closes made while it was down
    const trades = csvRows(`${run}/trades.csv`);
    const closes = fake.state.orders.filter((o) => o.reduceOnly && o.status !== "CANCELED");
    assert.equal(trades.length, closes.length, "every closed position is a trade");
    const reasons = trades.map((t) => t[10]);
    assert.equal(downCloses, 2);
    assert.ok(reasons.includes("stop"), `reasons ${reasons}`);
    assert.ok(reasons.includes("external"), `reasons ${reasons}`);
    const recovered = filled.filter((e) => e.recovered === true);
    assert.ok(recovered.some((e) => e.reason === "stop"));
    assert.ok(recovered.some((e) => e.reason === "external"));
    // the booked close carries the venue's price and fee
    const manual = fake.state.orders.find((o) => o.source === "manual")!;
    const manualTrade = fake.state.trades.find((t) => t.orderId === manual.orderId)!;
    const ext = trades.find((t) => t[10] === "external")!;
    assert.equal(Number(ext[5]), manualTrade.price);
    // one equity curve from the first start: no fresh start figure after a restart
    const equity = csvRows(`${run}/equity.csv`).map((r) => [Number(r[0]), Number(r[1])]);
    for (let i = 1; i < equity.length; i++) assert.ok(equity[i][0] > equity[i - 1][0]);
    const stats = JSON.parse(Deno.readTextFileSync(`${run}/stats.json`));
    assert.equal(stats.trades, trades.length);
    const pnl = trades.reduce((a, t) => a + Number(t[13]), 0);
    const first = JSON.parse(Deno.readTextFileSync(`${run}/config.json`));
    assert.ok(first.run_started_at);
    if (held() === undefined) {
      assert.ok(
        Math.abs(stats.end_equity - (stats.start_equity + pnl)) < 1e-4,
        `end ${stats.end_equity} = start ${stats.start_equity} + pnl ${pnl}`,
      );
    }
  } finally {
    await market.close();
    await ws.cleanup();
  }
});
