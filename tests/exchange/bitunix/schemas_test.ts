import assert from "node:assert/strict";
import * as S from "../../../src/exchange/bitunix/schemas.ts";

Deno.test("Bitunix payload schemas", async (t) => {
  await t.step("numbers as strings or JSON numbers; garbage rejected", () => {
    assert.equal(S.zNum.parse("60000.5"), 60000.5);
    assert.equal(S.zNum.parse(60000), 60000);
    assert.equal(S.zNum.safeParse("abc").success, false);
    assert.equal(S.zNum.safeParse("").success, false);
    assert.equal(S.zNum.safeParse(null).success, false);
    assert.equal(S.zOptNum.parse(""), undefined);
    assert.equal(S.zOptNum.parse(null), undefined);
  });

  await t.step("klines: doc example with raw numbers and string variant", () => {
    const rows = S.klinesSchema.parse([
      {
        open: 60000,
        high: 60001,
        low: 59990,
        close: 60000.5,
        time: 1732003200000,
        quoteVol: "1",
        baseVol: "60000",
        type: "LAST_PRICE",
      },
      {
        open: "60000.5",
        high: "60010",
        low: "59999",
        close: "60005",
        time: "1732003260000",
        quoteVol: "2",
        baseVol: "3",
      },
    ]);
    assert.equal(rows[1].time, 1732003260000);
    assert.equal(rows[0].open, 60000);
    assert.deepEqual(S.klinesSchema.parse(null), []);
    assert.equal(S.klinesSchema.safeParse([{ open: "1" }]).success, false);
  });

  await t.step("account: object or array data", () => {
    const obj = {
      marginCoin: "USDT",
      available: "1000",
      frozen: "0",
      margin: "10",
      transfer: "1000",
      positionMode: "ONE_WAY",
      crossUnrealizedPNL: "2",
      isolationUnrealizedPNL: "0",
      bonus: "0",
    };
    assert.equal(S.accountSchema.parse(obj).available, 1000);
    assert.equal(S.accountSchema.parse([obj]).available, 1000);
    assert.equal(S.accountSchema.safeParse([]).success, false);
  });

  await t.step("trading pairs with real-looking fields", () => {
    const [p] = S.tradingPairsSchema.parse([{
      symbol: "BTCUSDT",
      base: "BTC",
      quote: "USDT",
      minTradeVolume: "0.0001",
      minBuyPriceOffset: "-0.95",
      maxSellPriceOffset: "100",
      maxLimitOrderVolume: "100",
      maxMarketOrderVolume: "50",
      basePrecision: 4,
      quotePrecision: "1",
      maxLeverage: 125,
      minLeverage: 1,
      defaultLeverage: 20,
      defaultMarginMode: 1,
      priceProtectScope: "0.02",
      symbolStatus: "OPEN",
    }]);
    assert.equal(p.minTradeVolume, 0.0001);
    assert.equal(p.quotePrecision, 1);
    assert.equal(p.isApiSupported, true, "missing: supported");
  });

  await t.step("trading pairs: isApiSupported, and status under either name", () => {
    const base = {
      symbol: "X",
      minTradeVolume: "1",
      basePrecision: 0,
      quotePrecision: 0,
      maxLeverage: 1,
    };
    const one = (o: Record<string, unknown>) => S.tradingPairsSchema.parse([{ ...base, ...o }])[0];
    for (
      const [v, want] of [[true, true], ["true", true], [null, true], [false, false], [
        "false",
        false,
      ]]
    ) {
      assert.equal(
        one({ symbolStatus: "OPEN", isApiSupported: v }).isApiSupported,
        want,
        String(v),
      );
    }
    assert.equal(one({ status: "STOP" }).symbolStatus, "STOP");
    assert.equal(S.tradingPairsSchema.safeParse([base]).success, false, "no status at all");
  });

  await t.step("order lists, trades, positions, leverage", () => {
    const orders = S.orderListSchema.parse({
      orderList: [{
        orderId: "11111",
        symbol: "BTCUSDT",
        qty: "0.01",
        tradeQty: "0",
        price: "60000",
        side: "buy",
        clientId: "c1",
        reduceOnly: false,
        status: "NEW",
        ctime: 1700000000000,
      }],
      total: "1",
    });
    assert.equal(orders.total, 1);
    assert.equal(orders.orders[0].side, "BUY");
    assert.deepEqual(S.orderListSchema.parse({ orderList: null, total: 0 }).orders, []);
    const trades = S.tradeListSchema.parse({
      tradeList: [{
        tradeId: 5,
        orderId: 6,
        symbol: "BTCUSDT",
        qty: "0.01",
        price: "60000",
        side: "SELL",
        fee: "0.36",
        ctime: "1700000000000",
      }],
    });
    assert.equal(trades.trades[0].tradeId, "5");
    const pos = S.positionsSchema.parse([{
      positionId: "p1",
      symbol: "BTCUSDT",
      qty: "0.5",
      side: "LONG",
      avgOpenPrice: "60000",
      liqPrice: "-1",
      leverage: 10,
    }]);
    assert.equal(pos[0].qty, 0.5);
    assert.equal(
      S.leverageMarginSchema.parse([{ symbol: "BTCUSDT", leverage: "20" }]).leverage,
      20,
    );
  });

  await t.step("WS kline push data and private order push as object or array", () => {
    assert.equal(
      S.wsKlineSchema.parse({ o: "1", h: "2", l: "0.5", c: "1.5", b: "3", q: "4" }).c,
      1.5,
    );
    const one = {
      orderId: "1",
      symbol: "BTCUSDT",
      side: "BUY",
      qty: "0.01",
      orderStatus: "FILLED",
    };
    assert.equal(S.wsOrderSchema.parse(one).length, 1);
    assert.equal(S.wsOrderSchema.parse([one, one]).length, 2);
  });

  await t.step("times: ms numbers, numeric strings, RFC 3339 / ISO-8601 strings", () => {
    const ms = Date.UTC(2026, 0, 15, 12, 0, 0, 123);
    for (
      const v of [
        ms,
        String(ms),
        ` ${ms} `,
        "2026-01-15T12:00:00.123Z",
        "2026-01-15T20:00:00.123+08:00",
        "2026-01-15T07:00:00.123-0500",
        "2026-01-15 12:00:00.123", // no zone: UTC, never the local zone
        "2026-01-15T12:00:00.123z",
      ]
    ) assert.equal(S.zTime.parse(v), ms, JSON.stringify(v));
    assert.equal(S.zTime.parse("2026-01-15T12:00Z"), Date.UTC(2026, 0, 15, 12, 0));
    for (
      const bad of ["", "soon", "Jan 15 2026", "15/01/2026 12:00", "2026-13-45T99:00:00Z", null]
    ) {
      assert.equal(S.zTime.safeParse(bad).success, false, JSON.stringify(bad));
    }
    assert.equal(S.zOptTime.parse(undefined), undefined);
    assert.equal(S.zOptTime.parse(""), undefined);
    assert.equal(S.zOptTime.parse("0"), undefined);
  });

  await t.step("every time field accepts string times", () => {
    const iso = "2026-01-15T20:00:00.000+08:00";
    const ms = Date.UTC(2026, 0, 15, 12);
    const kline = { open: "1", high: "1", low: "1", close: "1", time: iso };
    assert.equal(S.klinesSchema.parse([kline])[0].time, ms);
    const order = { orderId: "1", symbol: "BTCUSDT", qty: "1", side: "BUY" };
    const o = S.orderDetailSchema.parse({ ...order, ctime: iso, mtime: String(ms) });
    assert.deepEqual([o.ctime, o.mtime], [ms, ms]);
    const trade = { tradeId: 1, orderId: 2, symbol: "BTCUSDT", qty: "1", price: "1", side: "BUY" };
    assert.equal(S.tradeListSchema.parse([{ ...trade, ctime: iso }]).trades[0].ctime, ms);
    const pos = { positionId: "p", symbol: "BTCUSDT", qty: "1", side: "LONG" };
    const [p] = S.positionsSchema.parse([{ ...pos, ctime: iso, mtime: iso }]);
    assert.deepEqual([p.ctime, p.mtime], [ms, ms]);
    const [w] = S.wsOrderSchema.parse({ ...order, ctime: iso, mtime: "2026-01-15T12:00:00Z" });
    assert.deepEqual([w.ctime, w.mtime], [ms, ms]);
    assert.equal(S.wsMessageSchema.parse({ ch: "order", ts: iso }).ts, ms);
  });

  await t.step("envelope accepts msg or message", () => {
    assert.equal(S.envelopeSchema.parse({ code: "0", message: "ok", data: [] }).code, 0);
    assert.equal(S.envelopeSchema.safeParse({ msg: "no code" }).success, false);
  });
});
