import assert from "node:assert/strict";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { isBitunixError } from "../../../src/exchange/bitunix/errors.ts";
import { isTradable, untradableReason } from "../../../src/exchange/bitunix/symbols.ts";
import { defaultKline, startFakeBitunix } from "../../fakes/fake_bitunix.ts";

/** Records every message a test produces so the secret check can scan them. */
export const producedMessages: string[] = [];

async function expectBitunixError(p: Promise<unknown>, pattern: RegExp) {
  try {
    await p;
  } catch (e) {
    assert.ok(isBitunixError(e), `expected BitunixError, got ${e}`);
    producedMessages.push((e as Error).message);
    assert.match((e as Error).message, pattern);
    return e as Error;
  }
  assert.fail("expected an error");
}

Deno.test("BitunixRestClient against the fake venue", async (t) => {
  const fake = startFakeBitunix();
  const sleeps: number[] = [];
  const retries: string[] = [];
  const mk = (over: Record<string, unknown> = {}) =>
    new BitunixRestClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      onRetry: (i) => retries.push(i.error),
      ...over,
    });
  const client = mk();
  try {
    await t.step("public market endpoints map to venue-neutral types", async () => {
      const [info] = await client.tradingPairs(["BTCUSDT"]);
      assert.deepEqual(
        { ...info },
        {
          symbol: "BTCUSDT",
          minQty: 0.0001,
          qtyPrecision: 4,
          pricePrecision: 1,
          qtyStep: 0.0001,
          tickSize: 0.1,
          maxLeverage: 125,
          status: "OPEN",
          apiSupported: true,
        },
      );
      const [tk] = await client.tickers(["BTCUSDT"]);
      assert.equal(tk.lastPrice, 60_000);
      const d = await client.depth("BTCUSDT");
      assert.equal(d.asks[0][0], 60_000.1);
      assert.equal(d.bids[0][1], 1.2);
      const bars = await client.klines({ symbol: "BTCUSDT", interval: "1m", limit: 5 });
      assert.equal(bars.length, 5);
      for (let i = 1; i < bars.length; i++) assert.equal(bars[i].ts - bars[i - 1].ts, 60_000);
    });

    await t.step(
      "kline and ticker volume is the base-coin amount under either naming",
      async () => {
        for (const fields of ["swapped", "named"] as const) {
          fake.state.volumeFields = fields;
          const bars = await client.klines({ symbol: "BTCUSDT", interval: "1m", limit: 3 });
          assert.equal(bars.length, 3);
          for (const b of bars) {
            assert.equal(b.volume, defaultKline(b.ts, 60_000).volume, `${fields} at ${b.ts}`);
          }
          const [tk] = await client.tickers(["BTCUSDT"]);
          assert.deepEqual([tk.baseVolume, tk.quoteVolume], [20, 20 * 60_000], fields);
        }
        fake.state.volumeFields = "swapped";
      },
    );

    await t.step("tradable only when status is OPEN and isApiSupported is not false", async () => {
      const eth = fake.state.symbols[1];
      const info = async () => (await client.tradingPairs(["ETHUSDT"]))[0];
      assert.equal(untradableReason(await info()), undefined);
      eth.isApiSupported = false;
      let i = await info();
      assert.equal(i.apiSupported, false);
      assert.equal(isTradable(i), false);
      assert.equal(untradableReason(i), "API trading not supported (isApiSupported false)");
      delete eth.isApiSupported; // a reply without the field: supported
      i = await info();
      assert.deepEqual([i.apiSupported, isTradable(i)], [true, true]);
      eth.symbolStatus = "CANCEL_ONLY";
      i = await info();
      assert.deepEqual([isTradable(i), untradableReason(i)], [false, "status CANCEL_ONLY"]);
      eth.symbolStatus = "OPEN";
      eth.isApiSupported = true;
    });

    await t.step("signed private calls are accepted (account, leverage)", async () => {
      const a = await client.account();
      assert.equal(a.available, 1000);
      assert.equal(a.positionMode, "ONE_WAY");
      const lm = await client.getLeverageMarginMode("BTCUSDT");
      assert.deepEqual([lm.leverage, lm.marginMode], [10, "CROSS"]);
      const ch = await client.changeLeverage("BTCUSDT", 5);
      assert.equal(ch.leverage, 5);
      await client.changeMarginMode("BTCUSDT", "ISOLATION");
      assert.equal(fake.state.marginMode, "ISOLATION");
      const last = fake.requests.at(-1)!;
      assert.deepEqual(last.body, {
        symbol: "BTCUSDT",
        marginMode: "ISOLATION",
        marginCoin: "USDT",
      });
    });

    await t.step("REST times as strings (orders, trades, positions, klines)", async () => {
      for (const format of ["rfc3339", "iso", "string"] as const) {
        fake.state.restTimeFormat = format;
        const clientId = `times-${format}`;
        const { orderId } = await client.placeOrder({
          symbol: "BTCUSDT",
          side: "BUY",
          orderType: "MARKET",
          qty: "0.001",
          clientId,
        });
        const booked = fake.state.orders.find((o) => o.orderId === orderId)!;
        const o = await client.orderDetail({ orderId });
        assert.equal(o.ctime, booked.ctime, format);
        const { trades } = await client.historyTrades({ orderId });
        assert.equal(trades[0].ts, fake.state.trades.find((x) => x.orderId === orderId)!.ctime);
        const [p] = await client.pendingPositions("BTCUSDT");
        assert.ok(p.qty > 0);
        const bars = await client.klines({ symbol: "BTCUSDT", interval: "1m", limit: 2 });
        assert.equal(bars[1].ts - bars[0].ts, 60_000);
        assert.equal(bars[0].ts % 60_000, 0);
      }
      fake.state.restTimeFormat = "number";
      fake.state.orders = [];
      fake.state.trades = [];
      fake.state.positions = [];
    });

    await t.step("retries HTTP 5xx then succeeds", async () => {
      sleeps.length = 0;
      fake.inject.serverError(2);
      const before = fake.requests.length;
      const pairs = await client.tradingPairs();
      assert.equal(pairs.length, 2);
      assert.equal(fake.requests.length - before, 3);
      assert.equal(sleeps.length, 2);
      assert.ok(sleeps[1] > sleeps[0], "backoff grows");
    });

    await t.step("gives up after maxAttempts on persistent 5xx", async () => {
      fake.inject.serverError(10);
      await expectBitunixError(
        client.tickers(),
        /^Bitunix tickers failed after 4 attempts: HTTP 503.*\(retryable\)$/,
      );
      fake.inject.clear();
    });

    await t.step("10006 rate limiting backs off at least the rate-limit floor", async () => {
      sleeps.length = 0;
      fake.inject.rateLimit(1);
      await client.account();
      assert.equal(sleeps.length, 1);
      assert.ok(sleeps[0] >= 500, `slept ${sleeps[0]}`);
      assert.match(retries.at(-1)!, /10006 Request too frequently/);
    });

    await t.step("codes 1 (Network Error) and 2 (System error) are retried", async () => {
      for (const [code, msg] of [[1, "Network Error"], [2, "System error"]] as const) {
        sleeps.length = 0;
        const before = fake.requests.length;
        fake.inject.errorCode(code, msg, 1, { path: "/account" });
        const a = await client.account();
        assert.equal(a.available, 1000);
        assert.equal(fake.requests.length - before, 2, `code ${code}: one retry`);
        assert.equal(sleeps.length, 1);
        assert.match(retries.at(-1)!, new RegExp(`: ${code} ${msg} \\(retryable\\)$`));
      }
    });

    await t.step("timeout is reported and retried", async () => {
      const quick = mk({ timeoutMs: 150, retry: { maxAttempts: 2 } });
      fake.inject.hang(1);
      const bars = await quick.klines({ symbol: "BTCUSDT", interval: "1m", limit: 2 });
      assert.equal(bars.length, 2);
      fake.inject.hang(2);
      await expectBitunixError(
        quick.tickers(),
        /^Bitunix tickers failed after 2 attempts: timed out after 150 ms \(retryable\); the venue could not be reached: check the internet connection, and BITUNIX_BASE_URL if it is set \(default https:\/\/fapi\.bitunix\.com\)$/,
      );
    });

    await t.step("malformed JSON is fatal and names the endpoint", async () => {
      const before = fake.requests.length;
      fake.inject.malformed(1);
      await expectBitunixError(client.account(), /^Bitunix account failed: malformed JSON/);
      assert.equal(fake.requests.length - before, 1, "not retried");
    });

    await t.step("schema violations are fatal and name the endpoint", async () => {
      fake.inject.schemaViolation(1);
      await expectBitunixError(
        client.klines({ symbol: "BTCUSDT", interval: "1m" }),
        /^Bitunix klines failed: unexpected data: 0\.open: .*\(fatal\)$/,
      );
      fake.inject.schemaViolation(1);
      await expectBitunixError(client.account(), /^Bitunix account failed: unexpected data/);
    });

    await t.step("bad signature: 10007 fatal, no retry", async () => {
      const bad = mk({ apiSecret: "wrong-secret-value" });
      const before = fake.requests.length;
      await expectBitunixError(
        bad.account(),
        /^Bitunix account failed: 10007 Signature Error \(fatal\)$/,
      );
      assert.equal(fake.requests.length - before, 1);
    });

    await t.step(
      "timestamp outside the server window: corrected, or rejected with the skew",
      async () => {
        const skewed = mk({ now: () => Date.now() - 120_000 });
        assert.equal((await skewed.account()).available, 1000);
        assert.ok(Math.abs(skewed.clockOffsetMs - 120_000) <= 1_500);
        const fixed = mk({ now: () => Date.now() - 120_000, clockSync: false });
        await expectBitunixError(
          fixed.account(),
          /^Bitunix account failed: 10002 .*timestamp.* \(the local clock is 1[12]\d\.\d s behind the venue's\) \(fatal\)$/,
        );
      },
    );

    await t.step("missing credentials fail before any request", async () => {
      const anon = new BitunixRestClient({ baseUrl: fake.baseUrl });
      const before = fake.requests.length;
      await expectBitunixError(anon.account(), /no API credentials/);
      assert.equal(fake.requests.length, before);
    });

    await t.step("network error (nothing listening) is retryable", async () => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      const dead = new BitunixRestClient({
        baseUrl: `http://127.0.0.1:${port}`,
        sleep: () => Promise.resolve(),
        retry: { maxAttempts: 2 },
      });
      await expectBitunixError(
        dead.tickers(),
        /^Bitunix tickers failed after 2 attempts: network error.*\(retryable\); the venue could not be reached: check the internet connection, and BITUNIX_BASE_URL/,
      );
    });

    await t.step("the API secret never appears in any error message", () => {
      assert.ok(producedMessages.length >= 8);
      for (const m of producedMessages) {
        assert.ok(!m.includes(fake.apiSecret), m);
        assert.ok(!m.includes("wrong-secret-value"), m);
      }
    });
  } finally {
    await fake.close();
  }
});
