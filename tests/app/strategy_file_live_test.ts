/**
 * The same strategy file in a live session (against the fake Bitunix): its own bracket
 * reaches the venue as the entry's slPrice and tpPrice, its exit as a reduce-only order,
 * and the run records the file.
 */
import assert from "node:assert/strict";
import { runSession } from "../../src/app/session/session_runner.ts";
import { BitunixExchange } from "../../src/exchange/bitunix/mod.ts";
import { loadStrategy } from "../../src/strategy/mod.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";
import { instantClient } from "../fakes/fake_venue_access.ts";
import {
  fastMockFeed,
  readJsonl,
  sessionConfig,
  tapFeed,
  tempWorkspace,
} from "./_session_helpers.ts";

const KIT = new URL("../../src/strategy/mod.ts", import.meta.url).pathname;

Deno.test("a strategy file trades live with its own stop and take-profit", async () => {
  const ws = await tempWorkspace();
  const fake = startFakeBitunix({ price: 60_000 });
  try {
    const file = `${ws.dir}/bracket.ts`;
    await Deno.writeTextFile(
      file,
      `import type { StrategyKit } from "${KIT}";
export default ({ z, defineStrategy }: StrategyKit) => defineStrategy({
  name: "bracket-test",
  summary: "long with a 600 USD stop and a 1,200 USD take-profit, out after 3 candles",
  params: z.object({ hold: z.number().int().min(1).default(3) }),
  create: ({ hold }) => ({
    warmup: 2,
    onCandle(ctx) {
      if (ctx.position === null) return { enter: "long", stop: { distance: 600 }, takeProfit: { distance: 1200 } };
      if (ctx.position.barsHeld >= hold) return { exit: true };
    },
  }),
});
`,
    );
    const { file: url } = await loadStrategy(file, "/");
    const config = sessionConfig(ws, [
      "--source",
      "bitunix",
      "--execution-mode",
      "live",
      "--strategy",
      file,
    ]);
    assert.equal(config.strategy, "bracket-test");
    assert.equal(config.strategyFile, url);
    const feed = tapFeed(fastMockFeed(config, { maxLive: 12 }), (fc) => {
      fake.state.price = fc.candle.close;
    });
    const result = await runSession(config, {
      feed,
      liveExchange: new BitunixExchange(instantClient(fake)),
      print: () => {},
    });
    assert.equal(result.exitCode, 0);
    const places = fake.requestsTo("/trade/place_order");
    const entry = places.find((r) => r.body!.reduceOnly !== true)!;
    assert.ok(entry, "an entry was sent");
    assert.equal(entry.body!.side, "BUY");
    const ref = fake.state.orders.find((o) => o.clientId === entry.clientId)!.avgPrice!;
    assert.ok(Math.abs(ref - Number(entry.body!.slPrice) - 600) < 1, `stop 600 below ${ref}`);
    assert.ok(Math.abs(Number(entry.body!.tpPrice) - ref - 1200) < 1, `tp 1200 above ${ref}`);
    assert.ok(places.some((r) => r.body!.reduceOnly === true), "the exit went out reduce-only");
    const started = readJsonl(`${ws.dir}/runs/${result.runId}/events.jsonl`)
      .find((e) => e.event === "run.started");
    assert.equal(started?.config?.strategy_file, url);
  } finally {
    await fake.close();
    await ws.cleanup();
  }
});
