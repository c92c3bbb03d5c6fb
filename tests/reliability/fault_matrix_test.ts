import assert from "node:assert/strict";
import type { FeedCandle, MarketFeed } from "../../src/core/ports.ts";
import { runPreflight } from "../../src/app/session/preflight.ts";
import { runSession } from "../../src/app/session/session_runner.ts";
import {
  BitunixExchange,
  BitunixKlineFeed,
  BitunixRestClient,
} from "../../src/exchange/bitunix/mod.ts";
import { defaultKline, type FakeBitunix, startFakeBitunix } from "../fakes/fake_bitunix.ts";
import { readJsonl, sessionConfig, tempWorkspace } from "../app/_session_helpers.ts";
import {
  bookedClientIds,
  eventsOf,
  type FaultRun,
  runFaultSession,
  venuePosition,
} from "./_fault_harness.ts";
import { instantClient } from "../fakes/fake_venue_access.ts";

const PLACE = "/trade/place_order";
const FILLS = "/trade/get_history_trades";

/** Invariants every faulted session must keep. */
function assertSafeEnd(r: FaultRun, maxAttempts = 4): void {
  assert.equal(r.result.exitCode, 0, `exit ${r.result.reason}: ${r.lines.join("\n")}`);
  assert.ok(eventsOf(r.system, "run.stopped").length === 1, "run.stopped logged once");
  // (orders of other people on the account carry no client id)
  const ids = bookedClientIds(r.fake).filter((id) => id !== "");
  assert.equal(new Set(ids).size, ids.length, `duplicate clientId booked: ${ids}`);
  const perId = new Map<string, number>();
  for (const q of r.fake.requestsTo(PLACE)) {
    perId.set(q.clientId!, (perId.get(q.clientId!) ?? 0) + 1);
  }
  for (const [id, n] of perId) assert.ok(n <= maxAttempts, `${id} sent ${n} times`);
  const venue = venuePosition(r.fake);
  const j = r.journal.position as { side: string; qty: number } | null;
  assert.deepEqual(j && { side: j.side, qty: j.qty }, venue, "journal agrees with the venue");
  assert.equal(r.fake.state.orders.filter((o) => o.status === "NEW").length, 0, "no working order");
}

function haltedAfterwards(r: FaultRun): boolean {
  return eventsOf(r.system, "risk.denied").some((e) => /trading halted/.test(e.reason));
}

Deno.test("fault matrix: live session against the fake Bitunix", async (t) => {
  await t.step("baseline: no fault trades several times", async () => {
    const r = await runFaultSession();
    try {
      assertSafeEnd(r);
      assert.ok(r.fake.state.orders.length >= 4, `${r.fake.state.orders.length} orders`);
      assert.equal(eventsOf(r.system, "order.failed").length, 0);
      assert.equal(r.retries.length, 0);
    } finally {
      await r.dispose();
    }
  });

  await t.step("REST 5xx, transient: retried, then the order goes through", async () => {
    const r = await runFaultSession({
      before: (f, i) => i === 0 && f.inject.serverError(2, { path: PLACE }),
    });
    try {
      assertSafeEnd(r);
      const first = r.fake.requestsTo(PLACE)[0].clientId!;
      assert.equal(r.fake.requestsTo(PLACE).filter((q) => q.clientId === first).length, 3);
      assert.ok(r.fake.state.orders.some((o) => o.clientId === first), "booked on the 3rd try");
      assert.deepEqual(r.retries.map((x) => x.endpoint), ["place_order", "place_order"]);
      assert.match(r.retries[0].error, /HTTP 503/);
      assert.equal(eventsOf(r.system, "order.failed").length, 0);
      assert.ok(!haltedAfterwards(r));
    } finally {
      await r.dispose();
    }
  });

  await t.step("REST 5xx, persistent on orders: reported, entries halted, no crash", async () => {
    const r = await runFaultSession({
      before: (f, i) => i === 0 && f.inject.serverError(10_000, { path: PLACE }),
    });
    try {
      assertSafeEnd(r);
      const failed = eventsOf(r.system, "order.failed");
      assert.equal(failed.length, 1, "one failure, then the gate stops further entries");
      assert.match(failed[0].error, /^Bitunix place_order failed after 4 attempts: HTTP 503/);
      assert.ok(haltedAfterwards(r), "later entries denied: trading halted");
      assert.equal(r.fake.state.orders.length, 0);
      assert.equal(r.fake.requestsTo(PLACE).length, 4, "no retry storm");
    } finally {
      await r.dispose();
    }
  });

  await t.step("REST 5xx, persistent on fill polling: fills.failed, halted, no crash", async () => {
    // the fault starts after the first entry and lasts a few candles, then clears
    const r = await runFaultSession({
      before: (f, i) => {
        if (i === 0) f.inject.serverError(20, { path: FILLS });
      },
    });
    try {
      assertSafeEnd(r);
      const failed = eventsOf(r.system, "fills.failed");
      assert.ok(failed.length >= 1, "fill poll failure reported");
      assert.match(failed[0].error, /get_history_trades failed after 4 attempts: HTTP 503/);
      assert.ok(haltedAfterwards(r));
      assert.equal(r.result.reason, "feed-ended");
    } finally {
      await r.dispose();
    }
  });

  await t.step("REST timeout (hang): retried within the timeout budget", async () => {
    const r = await runFaultSession({
      client: { timeoutMs: 150 },
      before: (f, i) => i === 0 && f.inject.hang(1, { path: PLACE }),
    });
    try {
      assertSafeEnd(r);
      assert.equal(r.retries.length, 1);
      assert.match(r.retries[0].error, /place_order failed: timed out after 150 ms/);
      assert.equal(eventsOf(r.system, "order.failed").length, 0);
      assert.ok(r.elapsedMs < 150 + 3_000, `${r.elapsedMs} ms`);
    } finally {
      await r.dispose();
    }
  });

  await t.step("REST timeout, persistent: reported after maxAttempts x timeout", async () => {
    const r = await runFaultSession({
      client: { timeoutMs: 100 },
      before: (f, i) => i === 0 && f.inject.hang(4, { path: PLACE }),
    });
    try {
      assertSafeEnd(r);
      const failed = eventsOf(r.system, "order.failed");
      assert.equal(failed.length, 1);
      assert.match(failed[0].error, /place_order failed after 4 attempts: timed out after 100 ms/);
      assert.ok(r.elapsedMs >= 400 && r.elapsedMs < 400 + 3_000, `${r.elapsedMs} ms`);
      assert.ok(haltedAfterwards(r));
    } finally {
      await r.dispose();
    }
  });

  for (const code of [10005, 10006]) {
    await t.step(`rate limit ${code}: backs off at least the floor, then succeeds`, async () => {
      const r = await runFaultSession({
        before: (f, i) => i === 0 && f.inject.rateLimit(2, { path: PLACE, code }),
      });
      try {
        assertSafeEnd(r);
        assert.equal(r.retries.length, 2);
        for (const s of r.sleeps) assert.ok(s >= 500, `backoff ${s} ms`);
        assert.ok(r.retries.every((x) => x.error.includes(String(code))));
        assert.equal(eventsOf(r.system, "order.failed").length, 0);
        assert.equal(r.fake.state.orders.length >= 4, true);
      } finally {
        await r.dispose();
      }
    });
  }

  await t.step("bad signature 10007: fatal, names the endpoint, no retry storm", async () => {
    const r = await runFaultSession({
      before: (f, i) => i === 0 && f.inject.errorCode(10007, "Signature Error", 1, { path: PLACE }),
    });
    try {
      assertSafeEnd(r, 1);
      const failed = eventsOf(r.system, "order.failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0].error, "Bitunix place_order failed: 10007 Signature Error (fatal)");
      assert.equal(r.retries.length, 0);
      assert.equal(r.fake.requestsTo(PLACE).length, 1, "halted: nothing else sent");
      assert.ok(haltedAfterwards(r));
    } finally {
      await r.dispose();
    }
  });

  await t.step("bad signature from a wrong secret: every private call fatal, one try", async () => {
    const r = await runFaultSession({ client: { apiSecret: "wrong-secret-000111222" } });
    try {
      assert.equal(r.result.exitCode, 0);
      const failed = eventsOf(r.system, "fills.failed");
      assert.ok(failed.length >= 1);
      assert.match(failed[0].error, /^Bitunix get_history_trades failed: 10007 Signature Error/);
      assert.equal(r.retries.length, 0, "fatal: never retried");
      assert.equal(r.fake.state.orders.length, 0, "no order booked");
      const sent = r.fake.requestsTo(PLACE).length;
      assert.equal(sent, 0, "entries halted before any order");
    } finally {
      await r.dispose();
    }
  });

  for (
    const [name, inject, pattern] of [
      ["malformed JSON", (f: FakeBitunix) => f.inject.malformed(1, { path: PLACE }), /malformed/],
      [
        "schema-violating payload",
        (f: FakeBitunix) => f.inject.schemaViolation(1, { path: PLACE }),
        /unexpected data/,
      ],
    ] as const
  ) {
    await t.step(`${name}: a clear fatal error naming the endpoint`, async () => {
      const r = await runFaultSession({ before: (f, i) => i === 0 && inject(f) });
      try {
        assertSafeEnd(r, 1);
        const failed = eventsOf(r.system, "order.failed");
        assert.equal(failed.length, 1);
        assert.match(failed[0].error, /^Bitunix place_order failed: /);
        assert.match(failed[0].error, pattern);
        assert.match(failed[0].error, /\(fatal\)$/);
        assert.equal(r.retries.length, 0);
      } finally {
        await r.dispose();
      }
    });
  }

  await t.step("malformed and schema-violating market data name the endpoint", async () => {
    const fake = startFakeBitunix();
    try {
      const client = new BitunixRestClient({ baseUrl: fake.baseUrl, rateLimit: false });
      fake.inject.malformed(1, { path: "/market/kline" });
      await assert.rejects(
        client.klines({ symbol: "BTCUSDT", interval: "1m", limit: 5 }),
        /^BitunixError: Bitunix klines failed: malformed JSON response \(\d+ bytes\) \(fatal\)$/,
      );
      fake.inject.schemaViolation(1, { path: "/market/trading_pairs" });
      await assert.rejects(
        client.tradingPairs(["BTCUSDT"]),
        /Bitunix trading_pairs failed: unexpected data: 0\.\w+: .* \(fatal\)/,
      );
      assert.equal(fake.requests.length, 2, "fatal: no retry");
    } finally {
      await fake.close();
    }
  });

  await t.step("duplicate and out-of-order candles: rejected, never traded twice", async () => {
    let injected = 0;
    const wrap = (inner: MarketFeed): MarketFeed => ({
      async *candles() {
        let prev: FeedCandle | undefined;
        for await (const fc of inner.candles()) {
          yield fc;
          if (fc.live) {
            yield fc; // the same candle again
            injected++;
            if (prev) {
              yield prev; // an older one
              injected++;
            }
          }
          prev = fc;
        }
      },
      close: () => inner.close(),
    });
    const r = await runFaultSession({ wrapFeed: wrap, maxLive: 40 });
    try {
      assertSafeEnd(r, 1);
      const rejected = eventsOf(r.system, "candle.rejected");
      assert.equal(rejected.length, injected);
      assert.ok(rejected.every((e) => e.reason === "not after the previous candle"));
      const placed = eventsOf(r.system, "order.placed");
      assert.ok(placed.length >= 2);
      assert.equal(new Set(placed.map((e) => e.clientId)).size, placed.length);
      assert.equal(r.fake.requestsTo(PLACE).length, placed.length, "one request per order");
      assert.equal(eventsOf(r.system, "order.duplicate_ignored").length, 0);
    } finally {
      await r.dispose();
    }
  });

  await t.step(
    "clock skew, correction off: private calls rejected and reported clearly",
    async () => {
      const r = await runFaultSession({
        client: { clockSync: false },
        before: (f, i) => {
          if (i === 0) f.inject.clockSkew(120_000);
          if (i === 10) f.inject.clockSkew(0);
        },
      });
      try {
        assertSafeEnd(r, 1);
        const failed = eventsOf(r.system, "fills.failed");
        assert.ok(failed.length >= 1);
        assert.match(
          failed[0].error,
          /^Bitunix get_history_trades failed: 10002 Parameter error: timestamp outside the accepted window \(the local clock is 1[12]\d\.\d s behind the venue's\) \(fatal\)$/,
        );
        assert.equal(r.fake.state.orders.length, 0, "no entry while the clock was off");
        assert.ok(haltedAfterwards(r));
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step(
    "clock skew: the client learns the venue's time and the session trades",
    async () => {
      const r = await runFaultSession({
        before: (f, i) => {
          if (i === 0) f.inject.clockSkew(120_000);
        },
      });
      try {
        assertSafeEnd(r);
        assert.equal(eventsOf(r.system, "fills.failed").length, 0);
        assert.ok(r.fake.state.orders.length >= 4, `${r.fake.state.orders.length} orders`);
        assert.ok(r.retries.length <= 1, "at most the first signed call is refused and retried");
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step("clock skew: preflight FAILs the clock check, signed calls still pass", async () => {
    const fake = startFakeBitunix();
    try {
      fake.inject.clockSkew(60_000);
      const r = await runPreflight({
        env: {
          baseUrl: fake.baseUrl,
          wsUrl: fake.wsUrl,
          apiKey: fake.apiKey,
          apiSecret: fake.apiSecret,
          source: {},
        },
        timeoutMs: 2_000,
        maxAttempts: 1,
      });
      assert.equal(r.ok, false);
      assert.match(
        r.lines.find((l) => l.includes(" clock:")) ?? "",
        /^FAIL clock: .*differs.*signed REST calls correct for it/,
      );
      assert.match(r.lines.find((l) => l.includes(" credentials:")) ?? "", /^PASS credentials:/);
    } finally {
      await fake.close();
    }
  });

  for (
    const [code, msg] of [[30016, "Quantity too small"], [20003, "Insufficient balance"]] as const
  ) {
    await t.step(`order rejected ${code}: order.failed, halted, stays up, safe stop`, async () => {
      let afterReject = 0;
      const r = await runFaultSession({
        before: (f, i, _fc, stop) => {
          if (i === 0) f.inject.rejectNextOrder(code, msg);
          if (f.requestsTo(PLACE).length > 0) afterReject++;
          if (afterReject === 45) stop();
        },
      });
      try {
        assertSafeEnd(r, 1);
        assert.equal(r.result.reason, "signal");
        const failed = eventsOf(r.system, "order.failed");
        assert.equal(failed.length, 1);
        assert.equal(failed[0].error, `Bitunix place_order failed: ${code} ${msg} (fatal)`);
        assert.ok(haltedAfterwards(r), "RiskGate halted entries");
        assert.ok(afterReject >= 45, "candles kept flowing after the rejection");
        assert.equal(r.fake.state.orders.length, 0);
        // a definite refusal leaves the journal: a restart must not wait on it
        assert.deepEqual(r.journal.openClientIds, []);
        assert.match(r.lines.join("\n"), /stopped \(signal\)/);
      } finally {
        await r.dispose();
      }
    });
  }
});

/** The agent's BTCUSDT position at the fake venue right now (side and qty), or null. */
function held(f: FakeBitunix): { side: string; qty: number } | null {
  return venuePosition(f);
}

/** Every venue trade of our orders appears in exactly one order.filled event. */
function assertEveryTradeReportedOnce(r: FaultRun): void {
  const ours = new Set(
    r.fake.state.orders.filter((o) => o.clientId?.startsWith("la")).map((o) => o.orderId),
  );
  const venue = r.fake.state.trades.filter((x) => ours.has(x.orderId)).map((x) => x.tradeId);
  const reported = eventsOf(r.system, "order.filled").flatMap((e) => e.tradeIds ?? []);
  assert.deepEqual([...reported].sort(), [...venue].sort(), "each venue trade reported once");
}

Deno.test("fault matrix: an unkind venue (split fills, other people, vanished stops)", async (t) => {
  await t.step(
    "every order filled in three trades in one millisecond, ids 999 -> 1000",
    async () => {
      const r = await runFaultSession({
        before: (f, i) => {
          if (i !== 0) return;
          f.state.nextTradeId = 997;
          f.inject.splitFills([1, 1, 2], 10_000);
        },
      });
      try {
        assertSafeEnd(r);
        assertEveryTradeReportedOnce(r);
        assert.ok(r.fake.state.trades.length >= 12, `${r.fake.state.trades.length} trades`);
        assert.equal(eventsOf(r.system, "fill.unexpected").length, 0);
        assert.equal(eventsOf(r.system, "position.mismatch").length, 0);
        // one order.filled per order, with the venue's total quantity
        for (const e of eventsOf(r.system, "order.filled")) {
          const o = r.fake.state.orders.find((x) => x.orderId === e.orderId)!;
          assert.ok(
            Math.abs(e.qty - o.tradeQty) < 1e-12,
            `${e.orderId}: ${e.qty} of ${o.tradeQty}`,
          );
        }
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step(
    "partial fills, the rest cancelled: the agent holds what the venue holds",
    async () => {
      const r = await runFaultSession({
        before: (f, i) => i === 0 && f.inject.partialFill(0.5, 10_000),
      });
      try {
        assertSafeEnd(r);
        // the case happened: some order of the agent's filled only in part
        assert.ok(
          r.fake.state.orders.some((o) => o.tradeQty > 0 && o.tradeQty < o.qty - 1e-12),
          "a partial fill",
        );
        assertEveryTradeReportedOnce(r);
        assert.equal(eventsOf(r.system, "position.mismatch").length, 0);
        assert.equal(eventsOf(r.system, "fill.unexpected").length, 0);
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step("trades indexed late: still reported, once", async () => {
    const r = await runFaultSession({
      before: (f, i) => {
        if (i !== 0) return;
        f.inject.splitFills(2, 10_000);
        f.inject.lateTrade({ queries: 1, part: "last", n: 10_000 });
      },
    });
    try {
      assertSafeEnd(r);
      assertEveryTradeReportedOnce(r);
      assert.ok(r.fake.state.trades.length >= 8);
      assert.equal(eventsOf(r.system, "fill.unexpected").length, 0);
      const ids = bookedClientIds(r.fake);
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      await r.dispose();
    }
  });

  await t.step("another symbol traded by hand on the same account: not the agent's", async () => {
    const r = await runFaultSession({
      before: (f, i) => {
        if (i === 3) f.inject.manualTrade({ symbol: "ETHUSDT", side: "SELL", qty: 2 });
        if (i === 9) f.inject.manualTrade({ symbol: "ETHUSDT", side: "BUY", qty: 1 });
      },
    });
    try {
      assertSafeEnd(r);
      assertEveryTradeReportedOnce(r);
      assert.ok(eventsOf(r.system, "order.filled").every((e) => e.reason !== "external"));
      assert.equal(eventsOf(r.system, "position.mismatch").length, 0);
      const eth = r.fake.state.positions.find((p) => p.symbol === "ETHUSDT");
      assert.equal(eth?.side, "SHORT", "the manual ETH position is left alone");
      // and the agent did trade its own symbol meanwhile
      assert.ok(
        eventsOf(r.system, "order.filled").some((e) => e.clientId?.startsWith?.("la")),
        "the agent's own BTCUSDT fills",
      );
    } finally {
      await r.dispose();
    }
  });

  await t.step(
    "a manual buy that reduces the agent's short: an external partial exit",
    async () => {
      // at the moment of the manual buy the agent holds (from its own orders) `before`
      let before: { side: string; qty: number } | null | undefined;
      const r = await runFaultSession({
        before: (f, i) => {
          if (i !== 3) return;
          before = held(f);
          f.inject.manualTrade({ symbol: "BTCUSDT", side: "BUY", qty: 0.002 });
        },
      });
      try {
        assertSafeEnd(r);
        assert.notEqual(before, undefined);
        assert.equal(before?.side, "short", "the mock series holds a short at live candle 3");
        assert.ok(before.qty > 0.002, `more than the manual buy: ${before.qty}`);
        const found = eventsOf(r.system, "position.mismatch");
        // it closed part of the agent's short: booked as an external partial exit
        assert.equal(found.length, 0);
        const ext = eventsOf(r.system, "order.filled").filter((e) => e.reason === "external");
        assert.equal(ext.length, 1);
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step("a manual buy that adds to the agent's long: reported, entries halt", async () => {
    let before: { side: string; qty: number } | null | undefined;
    const r = await runFaultSession({
      before: (f, i) => {
        if (i !== 1) return;
        before = held(f);
        f.inject.manualTrade({ symbol: "BTCUSDT", side: "BUY", qty: 0.002 });
      },
    });
    try {
      assertSafeEnd(r);
      assert.notEqual(before, undefined);
      assert.equal(before?.side, "long", "the mock series holds a long at live candle 1");
      const found = eventsOf(r.system, "position.mismatch");
      // it added to the venue's position: not the agent's; entries halt until they agree
      // (the agent's next exit closes what the venue holds, the manual part included)
      assert.ok(found.length >= 1, "the difference is reported");
      assert.match(found[0].message, /venue holds LONG [\d.]+ BTCUSDT but this agent's orders/);
      assert.ok(eventsOf(r.system, "fill.foreign").length >= 1);
      const matched = eventsOf(r.system, "position.matched");
      assert.equal(matched.length, 1);
      const entries = eventsOf(r.system, "order.placed").filter((e) => e.intent === "entry");
      assert.deepEqual(
        entries.filter((e) => e.candleTs >= found[0].candleTs && e.candleTs < matched[0].candleTs),
        [],
        "no entry while the venue differs",
      );
    } finally {
      await r.dispose();
    }
  });

  await t.step(
    "a manual buy on the agent's long, and its stop vanishes: placed again while they differ",
    async () => {
      let dropped = 0;
      const r = await runFaultSession({
        before: (f, i) => {
          if (i !== 1 || held(f)?.side !== "long") return;
          f.inject.manualTrade({ symbol: "BTCUSDT", side: "BUY", qty: 0.002 });
          dropped = f.inject.dropTpsl("BTCUSDT");
        },
      });
      try {
        assertSafeEnd(r);
        assert.ok(dropped > 0, "the stop was dropped on a held long");
        const at = (event: string) => r.system.findIndex((e) => e.event === event);
        const mismatch = at("position.mismatch");
        const replaced = at("protection.replaced");
        const matched = at("position.matched");
        assert.ok(mismatch >= 0, "the difference is reported");
        // the venue holds a long on the agent's side: its stop must not wait for agreement
        assert.ok(replaced > mismatch, "the stop is placed again");
        assert.ok(matched === -1 || replaced < matched, "while the positions still differ");
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step("the position closed behind the agent's back: an external exit", async () => {
    let closed = false;
    const r = await runFaultSession({
      before: (f, i) => {
        if (!closed && i >= 2 && held(f) !== null) {
          f.inject.closePosition("BTCUSDT");
          closed = true;
        }
      },
    });
    try {
      assertSafeEnd(r);
      const ext = eventsOf(r.system, "order.filled").filter((e) => e.reason === "external");
      assert.equal(ext.length, 1);
      const trades = await Deno.readTextFile(`${r.result.runDir}/trades.csv`);
      assert.match(trades, /,external,/);
      assert.ok(!/,stop,/.test(trades.split("\n").find((l) => l.includes(",external,"))!));
    } finally {
      await r.dispose();
    }
  });

  await t.step("the venue's stop fires: booked as the agent's stop", async () => {
    let fired = 0;
    const r = await runFaultSession({
      before: (f, i) => {
        const p = held(f);
        if (fired === 0 && i >= 2 && p !== null) {
          const stop = f.pendingTpsl("BTCUSDT")[0]?.slPrice;
          if (stop === undefined) return;
          f.setPrice(p.side === "long" ? Number(stop) - 1 : Number(stop) + 1);
          fired++;
        }
      },
    });
    try {
      assertSafeEnd(r);
      const stops = eventsOf(r.system, "order.filled").filter((e) => e.reason === "stop");
      assert.equal(stops.length, 1);
      assert.equal(stops[0].clientId, "");
    } finally {
      await r.dispose();
    }
  });

  await t.step("the stop vanished from the venue: placed again", async () => {
    let dropped = false;
    const r = await runFaultSession({
      before: (f, i) => {
        if (!dropped && i >= 2 && held(f) !== null) dropped = f.inject.dropTpsl("BTCUSDT") > 0;
      },
    });
    try {
      assertSafeEnd(r);
      assert.ok(dropped);
      assert.equal(eventsOf(r.system, "protection.missing").length, 1);
      assert.equal(eventsOf(r.system, "protection.replaced").length, 1);
      assert.ok(r.fake.requestsTo("/tpsl/position/place_order").length >= 1);
      assert.ok(!haltedAfterwards(r));
    } finally {
      await r.dispose();
    }
  });

  await t.step(
    "the stop vanished and the venue refuses a new one: closed at once, halted",
    async () => {
      let dropped = false;
      let closedAt = -1;
      const r = await runFaultSession({
        before: (f, i) => {
          if (!dropped && i >= 2 && held(f) !== null) {
            dropped = f.inject.dropTpsl("BTCUSDT") > 0;
            f.inject.rejectTpsl(30029, 5);
            closedAt = i;
          }
        },
      });
      try {
        assertSafeEnd(r);
        assert.ok(closedAt >= 0);
        assert.equal(eventsOf(r.system, "protection.failed").length, 1);
        const flatten = eventsOf(r.system, "order.placed").filter((e) => e.intent === "flatten");
        assert.equal(flatten.length, 1);
        assert.ok(haltedAfterwards(r), "no entry after an unprotected position");
      } finally {
        await r.dispose();
      }
    },
  );

  await t.step("a lost reply to an order: retried with the same id, booked once", async () => {
    const r = await runFaultSession({
      before: (f, i) => i === 0 && f.inject.loseReply(1, { path: PLACE, mode: "drop" }),
    });
    try {
      assertSafeEnd(r);
      assertEveryTradeReportedOnce(r);
      assert.ok(eventsOf(r.system, "order.duplicate_ignored").length >= 1);
      assert.equal(eventsOf(r.system, "order.failed").length, 0);
    } finally {
      await r.dispose();
    }
  });
});

Deno.test("fault matrix: WebSocket dropped mid-candle", async (t) => {
  const M1 = 60_000;
  const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
  let now = T0 + 10_000;
  const fake = startFakeBitunix({ now: () => now });
  const ws = await tempWorkspace();
  const client = instantClient(fake, { now: () => now });
  const feed = new BitunixKlineFeed({
    client,
    symbol: "BTCUSDT",
    interval: "1m",
    wsUrl: fake.wsUrl,
    warmup: 10,
    now: () => now,
    ws: { reconnectBaseMs: 20, reconnectMaxMs: 40, pingIntervalMs: 60_000 },
  });
  const seen: FeedCandle[] = [];
  const tapped: MarketFeed & { lastMessageAt?: number } = {
    get lastMessageAt() {
      return feed.lastMessageAt;
    },
    async *candles() {
      for await (const fc of feed.candles()) {
        seen.push(fc);
        yield fc;
      }
    },
    close: () => feed.close(),
  };
  const stop = new AbortController();
  const config = sessionConfig(ws, [
    "--source",
    "bitunix",
    "--execution-mode",
    "live",
    "--warmup",
    "10",
  ]);
  const done = runSession(config, {
    feed: tapped,
    liveExchange: new BitunixExchange(client, { now: () => now }),
    stop: stop.signal,
    print: () => {},
  });
  const ch = "market_kline_1min";
  const until = async (cond: () => boolean, what: string) => {
    const end = performance.now() + 5_000;
    while (!cond()) {
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await until(() => fake.subscribers(ch) === 1 && seen.length === 10, "warm-up + subscribe");
    // bar T0 in progress: a partial push, then the socket drops mid-candle
    fake.pushKline({ ch, ts: T0 + 20_000, candle: { ...defaultKline(T0, M1), close: 1 } });
    await new Promise((r) => setTimeout(r, 30));
    fake.inject.dropWebSockets();
    now = T0 + 3 * M1 + 5_000; // T0, T0+1m, T0+2m closed while down
    await until(() => seen.length === 13, "REST completes the missed bars");
    fake.pushKline({ ch, ts: T0 + 4 * M1 + 1_000 });
    now = T0 + 4 * M1 + 1_000;
    await until(() => seen.length === 14, "next live bar");
    fake.pushKline({ ch, ts: T0 + 2 * M1 }); // a late push for an old bucket
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const result = await done;

    await t.step("the bar in progress at the drop is completed from REST", () => {
      const bar = seen.find((fc) => fc.candle.ts === T0)!;
      assert.deepEqual(bar.candle, defaultKline(T0, M1), "REST values, not the partial push");
    });
    await t.step("no lost and no duplicate candle reaches the pipeline", () => {
      const ts = seen.map((fc) => fc.candle.ts);
      assert.equal(seen.length, 14);
      for (let i = 1; i < ts.length; i++) assert.equal(ts[i] - ts[i - 1], M1, `step ${i}`);
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      assert.equal(system.filter((e) => e.event === "candle.rejected").length, 0);
      assert.equal(system.filter((e) => e.event === "candle.gap").length, 0);
    });
    await t.step("only the newest recovered bar is live; the session stops safely", () => {
      assert.deepEqual(seen.slice(10).map((fc) => fc.live), [false, false, true, true]);
      assert.equal(result.reason, "signal");
      assert.equal(result.exitCode, 0);
      const ids = bookedClientIds(fake);
      assert.equal(new Set(ids).size, ids.length);
      const journal = JSON.parse(
        Deno.readTextFileSync(`${ws.dir}/logs/live-journal-BTCUSDT.json`),
      );
      const j = journal.position;
      assert.deepEqual(j && { side: j.side, qty: j.qty }, venuePosition(fake));
    });
  } finally {
    stop.abort();
    await done.catch(() => {});
    await fake.close();
    await ws.cleanup();
  }
});
