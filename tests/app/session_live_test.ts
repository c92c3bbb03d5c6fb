import assert from "node:assert/strict";
import { runSession } from "../../src/app/session/session_runner.ts";
import { NO_TERMINAL_REASON } from "../../src/app/session/live_confirm.ts";
import { liveJournalPath } from "../../src/app/session/live_journal.ts";
import { BitunixExchange } from "../../src/exchange/bitunix/mod.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";
import {
  fastMockFeed,
  LIVE_CLI_ARGS,
  readJsonl,
  type Rec,
  runCli,
  sessionConfig,
  tapFeed,
  tempWorkspace,
} from "./_session_helpers.ts";
import { instantClient } from "../fakes/fake_venue_access.ts";
import { startFastMarket } from "../fakes/fast_market.ts";

Deno.test("live session against the fake Bitunix (in process)", async (t) => {
  const ws = await tempWorkspace();
  const fake = startFakeBitunix({ price: 60_000 });
  const client = instantClient(fake);
  const lines: string[] = [];
  try {
    const config = sessionConfig(ws, ["--source", "bitunix", "--execution-mode", "live"]);
    // the venue fills market orders at the close of the candle the agent just saw
    const feed = tapFeed(fastMockFeed(config, { maxLive: 150 }), (fc) => {
      fake.state.price = fc.candle.close;
    });
    const result = await runSession(config, {
      feed,
      liveExchange: new BitunixExchange(client),
      print: (l) => lines.push(l),
    });
    const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const placeReqs = fake.requestsTo("/trade/place_order");

    await t.step("the session ends cleanly when the feed ends", () => {
      assert.equal(result.reason, "feed-ended");
      assert.equal(result.exitCode, 0);
      assert.ok(system.some((e) => e.event === "run.stopped"));
    });

    await t.step("entry: a signed market order carrying slPrice and tpPrice", () => {
      assert.ok(placeReqs.length >= 2, `orders sent: ${placeReqs.length}`);
      const entry = placeReqs[0].body!;
      assert.equal(entry.orderType, "MARKET");
      assert.ok(entry.reduceOnly === undefined || entry.reduceOnly === false);
      assert.match(String(entry.slPrice), /^\d+\.\d$/);
      assert.match(String(entry.tpPrice), /^\d+\.\d$/);
      assert.equal(entry.slStopType, "MARK_PRICE");
      const sl = Number(entry.slPrice);
      const tp = Number(entry.tpPrice);
      const ref = fake.state.orders[0].avgPrice!;
      if (entry.side === "BUY") assert.ok(sl < ref && ref < tp, `${sl} < ${ref} < ${tp}`);
      else assert.ok(tp < ref && ref < sl, `${tp} < ${ref} < ${sl}`);
      // the fake only books an order after its signature and timestamp checks passed
      for (const r of placeReqs) {
        assert.ok(
          fake.state.orders.some((o) => o.clientId === r.clientId),
          `order ${r.clientId} booked (signature verified)`,
        );
      }
    });

    await t.step("the position is closed by a reduce-only order on the opposite side", () => {
      const first = placeReqs[0].body!;
      const exit = placeReqs.find((r) => r.body!.reduceOnly === true);
      assert.ok(exit, "an exit order was sent");
      assert.notEqual(exit.body!.side, first.side);
      assert.equal(exit.body!.qty, first.qty);
      assert.equal(exit.body!.slPrice, undefined);
      assert.match(exit.clientId!, /-x$/);
      // every reduce-only order closes what the previous entry opened
      let signed = 0;
      for (const r of placeReqs) {
        const q = Number(r.body!.qty) * (r.body!.side === "BUY" ? 1 : -1);
        if (r.body!.reduceOnly === true) {
          assert.ok(signed !== 0 && Math.sign(q) === -Math.sign(signed), "reduce-only reduces");
        }
        signed = Math.round((signed + q) * 1e8) / 1e8;
      }
    });

    await t.step("each fill has order.filled with latency_sec; no duplicate clientId", () => {
      const filled = system.filter((e: Rec) => e.event === "order.filled");
      assert.ok(filled.length >= 2);
      for (const f of filled) {
        assert.equal(typeof f.latency_sec, "number", JSON.stringify(f));
        assert.ok(f.latency_sec >= 0);
      }
      const placed = system.filter((e: Rec) => e.event === "order.placed");
      assert.equal(placed.length, placeReqs.length);
      const ids = fake.state.orders.map((o) => o.clientId);
      assert.equal(new Set(ids).size, ids.length);
      assert.ok(ids.every((id) => id?.startsWith("la")));
    });

    await t.step("the live journal records the venue position for the next start", async () => {
      const journal = JSON.parse(await Deno.readTextFile(liveJournalPath(config)));
      const venue = fake.state.positions.find((p) => p.symbol === "BTCUSDT");
      if (venue) {
        assert.equal(journal.position.side, venue.side.toLowerCase());
        assert.equal(journal.position.qty, venue.qty);
      } else assert.equal(journal.position, null);
      assert.match(lines.join("\n"), /stopped \(feed-ended\)/);
    });
  } finally {
    await fake.close();
    await ws.cleanup();
  }
});

Deno.test("live session through the CLI: confirmation", async (t) => {
  const ws = await tempWorkspace();
  const market = startFastMarket();
  const fake = market.fake;
  const env = market.env;
  const args = [...LIVE_CLI_ARGS];
  try {
    await t.step("live execution on mock candles is refused: exit 2, nothing sent", async () => {
      const mock = args.map((a) => a === "bitunix" ? "mock" : a);
      const r = await runCli(mock, { cwd: ws.dir, env: { ...env, SKIP_LIVE_CONFIRM: "TRUE" } });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr.trim(),
        /^Invalid --source mock with --execution-mode live: --source bitunix: real orders are sized and bracketed from the venue's own candles/,
      );
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.equal(fake.requests.length, 0);
    });

    await t.step("refused without a terminal: non-zero exit, only reads, no order", async () => {
      const r = await runCli(args, { cwd: ws.dir, env });
      assert.notEqual(r.code, 0);
      assert.ok(r.stderr.includes(NO_TERMINAL_REASON), r.stderr);
      assert.equal(fake.requestsTo("/trade/place_order").length, 0);
      assert.deepEqual(fake.requests.filter((q) => q.method !== "GET").map((q) => q.path), []);
      assert.ok(!r.stderr.includes(fake.apiSecret));
      // what it was about to do, before asking
      for (
        const line of [
          /source +bitunix WebSocket candles, BTCUSDT 1m/,
          /equity +1000\.00 USDT in the account; sizing from 1000\.00/,
          /risk +1% of equity per trade \(10\.00 USDT at a 30 bps stop\)/,
          /leverage +at most 1x/,
          /strategy +ema-cross \(fast 3, slow 6\)/,
        ]
      ) assert.match(r.stderr, line);
    });

    await t.step("SKIP_LIVE_CONFIRM=TRUE proceeds: reconciles, then trades", async () => {
      // two transient venue failures: retried, and said in the logs and the stats
      fake.inject.serverError(2, { path: "/position/get_pending_positions" });
      const r = await runCli(args, { cwd: ws.dir, env: { ...env, SKIP_LIVE_CONFIRM: "TRUE" } });
      assert.equal(r.code, 0, r.stderr);
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      const retried = system.filter((e) => e.event === "rest.retried");
      assert.ok(retried.length >= 2, `${retried.length} rest.retried events`);
      assert.equal(retried[0].endpoint, "get_pending_positions");
      const stats = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/stats.json`));
      assert.ok(stats.venue.retries >= 2, JSON.stringify(stats.venue));
      assert.equal(typeof stats.venue.disconnects, "number");
      const rec = system.find((e) => e.event === "reconcile.finished");
      assert.equal(rec?.status, "ok");
      const places = fake.requestsTo("/trade/place_order");
      assert.ok(places.length > 0, "orders reached the fake");
      const firstPlace = fake.requests.indexOf(places[0]);
      const firstPositionQuery = fake.requests.findIndex((q) =>
        q.path.endsWith("/get_pending_positions")
      );
      assert.ok(firstPositionQuery !== -1 && firstPositionQuery < firstPlace, "reconciled first");
      const text = await Deno.readTextFile(`${ws.dir}/logs/system.jsonl`);
      assert.ok(!text.includes(fake.apiSecret), "secret never logged");
    });
  } finally {
    await market.close();
    await ws.cleanup();
  }
});
