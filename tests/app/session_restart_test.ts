import assert from "node:assert/strict";
import { defaultBracket } from "../../src/core/fill_rules.ts";
import { liveJournalPath, saveLiveJournal } from "../../src/app/session/live_journal.ts";
import { liveStartCheck } from "../../src/app/session/live_session.ts";
import { runSession } from "../../src/app/session/session_runner.ts";
import type { OrderRequest } from "../../src/core/order.ts";
import { BitunixExchange } from "../../src/exchange/bitunix/mod.ts";
import { type FakeBitunix, startFakeBitunix } from "../fakes/fake_bitunix.ts";
import {
  fastMockFeed,
  readJsonl,
  sessionConfig,
  tapFeed,
  tempWorkspace,
  type Workspace,
} from "./_session_helpers.ts";
import { instantClient } from "../fakes/fake_venue_access.ts";

/** Runs a live session on the fixed mock candles against `fake`. */
function liveRun(ws: Workspace, fake: FakeBitunix, guard: boolean) {
  const config = sessionConfig(ws, ["--source", "bitunix", "--execution-mode", "live"]);
  const exchange = new BitunixExchange(instantClient(fake));
  const feed = tapFeed(fastMockFeed(config, { maxLive: 60 }), (fc) => {
    fake.state.price = fc.candle.close;
  });
  return {
    config,
    run: () =>
      runSession(config, {
        feed,
        liveExchange: exchange,
        print: () => {},
        beforeTrading: guard ? liveStartCheck(config, exchange) : undefined,
      }),
  };
}

/**
 * What the first process sent before it was killed: the first entry of these candles,
 * found with a probe run on a separate fake venue.
 */
async function firstEntry(): Promise<{ order: OrderRequest; candleTs: number }> {
  const ws = await tempWorkspace();
  const fake = startFakeBitunix();
  try {
    const { config, run } = liveRun(ws, fake, false);
    await run();
    const placed = readJsonl(`${ws.dir}/logs/system.jsonl`)
      .find((e) => e.event === "order.placed" && e.intent === "entry");
    assert.ok(placed, "the candles produce an entry");
    return {
      candleTs: placed.candleTs,
      order: {
        clientId: placed.clientId,
        symbol: config.symbol,
        side: placed.side,
        qty: placed.qty,
        intent: "entry",
        reduceOnly: false,
        refPrice: placed.refPrice,
        bracket: defaultBracket(config.params.stopBps, config.params.tpR),
      },
    };
  } finally {
    await fake.close();
    await ws.cleanup();
  }
}

Deno.test("killed mid-order, then restarted", async (t) => {
  const { order, candleTs } = await firstEntry();

  await t.step("journal never saw the order: reconciliation refuses, no second entry", async () => {
    const ws = await tempWorkspace();
    const fake = startFakeBitunix();
    try {
      // the killed process's order reached the venue; its journal was not written
      fake.state.price = order.refPrice;
      const ack = await new BitunixExchange(instantClient(fake)).placeOrder(order);
      assert.equal(ack.duplicate, false);
      assert.equal(fake.state.positions.length, 1);

      const { run } = liveRun(ws, fake, true);
      await assert.rejects(
        run(),
        /Refusing to trade: .*venue has a (LONG|SHORT) .* journal is flat/,
      );
      assert.equal(fake.requestsTo("/trade/place_order").length, 1, "nothing placed on restart");
      assert.equal(fake.state.orders.filter((o) => o.clientId === order.clientId).length, 1);
      const rec = readJsonl(`${ws.dir}/logs/system.jsonl`)
        .find((e) => e.event === "reconcile.finished");
      assert.equal(rec?.status, "mismatch");
    } finally {
      await fake.close();
      await ws.cleanup();
    }
  });

  await t.step(
    "journal listed the in-flight id: adopted, and that entry is never sent again",
    async () => {
      const ws = await tempWorkspace();
      const fake = startFakeBitunix();
      try {
        fake.state.price = order.refPrice;
        await new BitunixExchange(instantClient(fake)).placeOrder(order);
        const { config, run } = liveRun(ws, fake, true);
        const prefix = order.clientId.slice(0, order.clientId.indexOf("-") + 1);
        saveLiveJournal(liveJournalPath(config), {
          version: 1,
          savedAt: 0,
          position: null,
          openClientIds: [order.clientId],
          clientIdPrefix: prefix,
        });
        const result = await run();
        assert.equal(result.exitCode, 0);
        const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
        const rec = system.find((e) => e.event === "reconcile.finished");
        assert.equal(rec?.status, "adopted");
        assert.ok(rec.findings.some((f: string) => /from the entry the journal sent/.test(f)));
        // the adopted position is the agent's: the same candle's entry is not decided again
        assert.ok(system.some((e) => e.event === "position.adopted"));
        assert.ok(
          !system.some((e) => e.event === "order.duplicate_ignored" && e.candleTs !== candleTs),
        );
        assert.equal(
          system.filter((e) => e.event === "order.placed" && e.clientId === order.clientId)
            .length,
          0,
        );
        const ids = fake.state.orders.map((o) => o.clientId);
        assert.equal(new Set(ids).size, ids.length, "no duplicate clientId at the venue");
        assert.equal(ids.filter((id) => id === order.clientId).length, 1);
      } finally {
        await fake.close();
        await ws.cleanup();
      }
    },
  );
});

Deno.test("a live restart on the same UTC day carries the day's loss onto the account it re-reads", async () => {
  const ws = await tempWorkspace();
  const fake = startFakeBitunix();
  try {
    const config = sessionConfig(ws, [
      "--source",
      "bitunix",
      "--execution-mode",
      "live",
      "--max-daily-loss",
      "5",
    ]);
    const run = (maxLive: number, lines: string[] = []) =>
      runSession(config, {
        feed: tapFeed(fastMockFeed(config, { maxLive }), (fc) => {
          fake.state.price = fc.candle.close;
        }),
        liveExchange: new BitunixExchange(instantClient(fake)),
        print: (l) => lines.push(l),
      });
    await run(300);
    const log = () => readJsonl(`${ws.dir}/logs/system.jsonl`);
    const first = log().at(-1)!.runId;
    const refused = log().filter((e) =>
      e.runId === first && e.event === "risk.denied" && /^daily-/.test(String(e.code))
    );
    assert.ok(refused.length > 0, "the first run spent the day's budget");
    const lines: string[] = [];
    await run(600, lines);
    assert.match(lines.join("\n"), /Remembered for UTC 2024-03-01: loss [45]\.\d\d of the 5 USD/);
    const second = log().filter((e) => e.runId !== first);
    assert.ok(second.length > 0, "a second process ran");
    const entries = second.filter((e) => e.event === "order.placed" && e.intent === "entry");
    assert.deepEqual(entries, [], "no fresh budget after a live restart");
  } finally {
    await fake.close();
    await ws.cleanup();
  }
});
