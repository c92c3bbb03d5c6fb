import assert from "node:assert/strict";
import { adoptVenuePosition } from "../../src/app/session/adopt_position.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import { TradeLedger } from "../../src/engine/trade_ledger.ts";

Deno.test("an adopted position's unrealised pnl is not counted twice", () => {
  // the account: 1,000 USDT balance and a long 0.01 BTC from 60,000, marked at 61,000
  const accountEquity = 1_000 + 10;
  const ledger = new TradeLedger(accountEquity, 6);
  adoptVenuePosition(
    ledger,
    { side: "long", qty: 0.01, entryPrice: 60_000, unrealizedPnl: 10 },
    { stopPrice: 59_500, tpPrice: 61_500 },
    DEFAULT_BACKTEST_PARAMS,
    0,
  );
  assert.equal(ledger.equityAt(61_000), accountEquity);
  // the venue's own bracket is kept
  assert.equal(ledger.position?.stopPrice, 59_500);
  assert.equal(ledger.position?.tpPrice, 61_500);
  // a stop without a take-profit on the venue: no take-profit is invented for it
  const stopOnly = new TradeLedger(accountEquity, 6);
  adoptVenuePosition(
    stopOnly,
    { side: "long", qty: 0.01, entryPrice: 60_000, unrealizedPnl: 10 },
    { stopPrice: 59_500 },
    DEFAULT_BACKTEST_PARAMS,
    0,
  );
  assert.equal(stopOnly.position?.stopPrice, 59_500);
  assert.equal(stopOnly.position?.tpPrice, Infinity);
  // without a bracket on the venue: the configured distances from the entry
  const bare = new TradeLedger(990, 6);
  adoptVenuePosition(
    bare,
    { side: "short", qty: 0.01, entryPrice: 60_000, unrealizedPnl: -10 },
    null,
    DEFAULT_BACKTEST_PARAMS,
    0,
  );
  assert.equal(bare.equityAt(61_000), 990);
  assert.equal(bare.position?.stopPrice, 60_000 * 1.003);
});
