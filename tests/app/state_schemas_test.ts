import assert from "node:assert/strict";
import { openPositionSchema, tradeSchema } from "../../src/app/session/state_schemas.ts";
import { tradeToCsvRow } from "../../src/core/trade.ts";
import { defaultBracket, LEVEL_NONE } from "../../src/core/fill_rules.ts";
import { loadPaperState } from "../../src/app/session/paper_state.ts";
import type { Trade } from "../../src/core/trade.ts";

Deno.test("a position or trade without a take-profit survives a save and a load", () => {
  const pos = {
    side: "short" as const,
    qty: 0.01,
    entryTs: 1_700_000_000_000,
    entryPrice: 60_000,
    stopPrice: 60_300,
    tpPrice: -Infinity, // no take-profit
    entryFee: 0.36,
  };
  // JSON writes Infinity as null; the schema reads it back as none on the position's side
  const back = openPositionSchema.parse(JSON.parse(JSON.stringify(pos)));
  assert.equal(back.tpPrice, -Infinity);
  assert.equal(openPositionSchema.parse({ ...pos, side: "long", tpPrice: null }).tpPrice, Infinity);
  assert.equal(openPositionSchema.parse({ ...pos, tpPrice: 59_000 }).tpPrice, 59_000);

  const trade: Trade = {
    id: 1,
    side: "long",
    entryTs: 1,
    entryPrice: 100,
    exitTs: 2,
    exitPrice: 99,
    qty: 1,
    notional: 100,
    stopPrice: 99,
    tpPrice: Infinity,
    exitReason: "stop",
    grossPnl: -1,
    fees: 0.1,
    pnl: -1.1,
    equityAfter: 998.9,
  };
  assert.equal(tradeSchema.parse(JSON.parse(JSON.stringify(trade))).tpPrice, Infinity);
  // trades.csv leaves the take-profit empty rather than writing Infinity
  assert.equal(tradeToCsvRow(trade).split(",")[9], "");
});

Deno.test("a paper state of an older version keeps its pending entry's stop and take-profit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/state.json`;
    const entry = {
      clientId: "la1-1-e",
      symbol: "BTCUSDT",
      side: "buy",
      qty: 0.01,
      intent: "entry",
      reduceOnly: false,
      refPrice: 42_000,
    };
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        version: 1,
        sessionKey: "paper|BTCUSDT|1m|ema-cross",
        savedAt: 1,
        lastCandleTs: null,
        cash: 10_000,
        position: null,
        trades: [],
        sim: {
          position: null,
          // written before entries carried their bracket: a stop in bps and a take-profit in R
          pending: [
            { ...entry, stopBps: 30, tpR: 1.5 },
            { ...entry, clientId: "la1-2-e", stopBps: 30 },
          ],
          knownClientIds: [],
          fills: [],
          nextOrderId: 1,
        },
      }),
    );
    const [withTp, noTp] = loadPaperState(path)!.sim.pending;
    assert.deepEqual(withTp.bracket, defaultBracket(30, 1.5));
    assert.equal("stopBps" in withTp, false);
    assert.deepEqual(noTp.bracket, { ...defaultBracket(30, 0), tpKind: LEVEL_NONE });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
