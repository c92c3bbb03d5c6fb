import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_RETRY } from "../../../src/exchange/bitunix/backoff.ts";
import {
  BitunixError,
  isRetryableCode,
  isRetryableStatus,
} from "../../../src/exchange/bitunix/errors.ts";
import { createBitunixLimiters, TokenBucket } from "../../../src/exchange/bitunix/rate_limiter.ts";
import { entryBracket, roundQtyDown } from "../../../src/exchange/bitunix/exchange.ts";
import type { OrderRequest } from "../../../src/core/order.ts";
import {
  defaultBracket,
  LEVEL_DISTANCE,
  LEVEL_NONE,
  LEVEL_PRICE,
} from "../../../src/core/fill_rules.ts";
import { klineChannel, parseInterval } from "../../../src/exchange/bitunix/intervals.ts";

/** A simulated clock whose sleep advances time instantly. */
function simTime(start = 0) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    advance: (ms: number) => (t += ms),
    sleeps,
  };
}

Deno.test("error classification", async (t) => {
  await t.step("retryable codes: 1, 2, 10001, 10005, 10006", () => {
    for (const c of [1, 2, 10001, 10005, 10006]) assert.equal(isRetryableCode(c), true, String(c));
  });
  await t.step("fatal codes: 10002-10004, 10007, 2xxxx, 3xxxx", () => {
    for (const c of [10002, 10003, 10004, 10007, 10008, 20001, 20003, 30001, 30042]) {
      assert.equal(isRetryableCode(c), false, String(c));
    }
  });
  await t.step("HTTP 5xx and 429 retryable, 4xx fatal", () => {
    assert.equal(isRetryableStatus(500), true);
    assert.equal(isRetryableStatus(503), true);
    assert.equal(isRetryableStatus(429), true);
    assert.equal(isRetryableStatus(400), false);
    assert.equal(isRetryableStatus(404), false);
  });
  await t.step("message names endpoint, cause and class", () => {
    const e = new BitunixError("place_order", "api", "10007 Signature Error", false, 10007);
    assert.equal(e.message, "Bitunix place_order failed: 10007 Signature Error (fatal)");
    assert.equal(
      e.withAttempts(3).message,
      "Bitunix place_order failed after 3 attempts: 10007 Signature Error (fatal)",
    );
  });
});

Deno.test("backoff", async (t) => {
  await t.step("grows exponentially, capped, jitter within [base/2, base]", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(p, 1, () => 0), 50);
    assert.equal(backoffDelay(p, 1, () => 0.999999), 100);
    assert.equal(backoffDelay(p, 2, () => 1), 200);
    assert.equal(backoffDelay(p, 3, () => 1), 400);
    assert.equal(backoffDelay(p, 10, () => 1), 1000);
    assert.equal(backoffDelay(p, 10, () => 0), 500);
  });
  await t.step("rate-limited answers wait at least the rate-limit floor", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 5000, rateLimitDelayMs: 1000 };
    assert.ok(backoffDelay(p, 1, () => 0, true) >= 500);
    assert.equal(backoffDelay(p, 1, () => 1, true), 1000);
  });
});

Deno.test("token bucket rate limiter", async (t) => {
  await t.step("burst then waits at the refill rate", async () => {
    const time = simTime(1_000);
    const b = new TokenBucket(2, 8, time);
    await b.acquire();
    await b.acquire();
    assert.equal(time.sleeps.length, 0);
    await b.acquire();
    assert.equal(time.sleeps.length, 1);
    assert.equal(time.sleeps[0], 125); // 1 token at 8/s
  });

  await t.step("never more calls in any 1 s window than the documented limit", async () => {
    const time = simTime(0);
    const limiters = createBitunixLimiters(time);
    for (const [name, limit] of [["market", 10], ["private", 10], ["cancel", 5]] as const) {
      const stamps: number[] = [];
      for (let i = 0; i < 60; i++) {
        await limiters[name].acquire();
        stamps.push(time.now());
      }
      for (let i = 0; i < stamps.length; i++) {
        const inWindow = stamps.filter((s) => s >= stamps[i] && s < stamps[i] + 1000).length;
        assert.ok(inWindow <= limit, `${name}: ${inWindow} calls in 1 s > ${limit}`);
      }
    }
  });

  await t.step("refills after idle time without sleeping", async () => {
    const time = simTime(0);
    const b = new TokenBucket(2, 8, time);
    await b.acquire();
    await b.acquire();
    time.advance(1000);
    await b.acquire();
    await b.acquire();
    assert.equal(time.sleeps.length, 0);
  });
});

Deno.test("order math", async (t) => {
  await t.step("qty rounds DOWN to the venue step", () => {
    assert.equal(roundQtyDown(0.012345, 0.0001, 4), "0.0123");
    assert.equal(roundQtyDown(0.3, 0.1, 1), "0.3"); // float noise tolerated
    assert.equal(roundQtyDown(0.00009, 0.0001, 4), "0.0000");
  });
  await t.step("an entry's bracket spec is priced from the latest price, never unprotected", () => {
    const base: OrderRequest = {
      clientId: "c1",
      symbol: "BTCUSDT",
      side: "buy",
      qty: 0.01,
      intent: "entry",
      reduceOnly: false,
      refPrice: 60_000,
    };
    const spec = (stopKind: number, stopValue: number, tpKind: number, tpValue: number) => ({
      ...base,
      bracket: { stopKind, stopValue, tpKind, tpValue, tpR: 2 },
    });
    // a stop 300 below and a take-profit 600 above the latest price, not the decision's
    assert.deepEqual(entryBracket(spec(LEVEL_DISTANCE, 300, LEVEL_DISTANCE, 600), 61_000), {
      stopPrice: 60_700,
      tpPrice: 61_600,
    });
    // no take-profit: only the stop goes
    assert.deepEqual(entryBracket(spec(LEVEL_PRICE, 59_000, LEVEL_NONE, 0), 60_000), {
      stopPrice: 59_000,
    });
    // take-profit at tpR x the stop distance
    assert.deepEqual(entryBracket(spec(LEVEL_DISTANCE, 500, 0, 0), 60_000), {
      stopPrice: 59_500,
      tpPrice: 61_000,
    });
    // a stop the price has already crossed would fire at once: refused, nothing sent
    assert.throws(
      () => entryBracket(spec(LEVEL_PRICE, 60_500, LEVEL_NONE, 0), 60_000),
      /entry c1.*a stop below the latest price 60000/,
    );
    assert.throws(
      () => entryBracket({ ...spec(LEVEL_PRICE, 59_000, LEVEL_NONE, 0), side: "sell" }, 60_000),
      /a stop above the latest price/,
    );
    assert.throws(
      () => entryBracket(spec(LEVEL_PRICE, 59_000, LEVEL_PRICE, 59_900), 60_000),
      /a take-profit above the latest price/,
    );
    // the default bracket: a stop 50 bps away, the take-profit at 2R, both sides
    assert.deepEqual(entryBracket({ ...base, bracket: defaultBracket(50, 2) }, 60_000), {
      stopPrice: 59_700,
      tpPrice: 60_600,
    });
    const short = entryBracket({ ...base, side: "sell", bracket: defaultBracket(50, 2) }, 60_000);
    assert.ok(Math.abs(short.stopPrice - 60_300) < 1e-6 && short.tpPrice === 59_400);
    // no bracket, or a zero stop (the stop at the price): refused, nothing sent
    assert.throws(() => entryBracket(base, 60_000), /entry c1.*a bracket/);
    assert.throws(
      () => entryBracket({ ...base, bracket: defaultBracket(0, 2) }, 60_000),
      /a stop below the latest price/,
    );
  });
});

Deno.test("intervals", async (t) => {
  await t.step("WS channel names", () => {
    assert.equal(klineChannel("1m"), "market_kline_1min");
    assert.equal(klineChannel("1h"), "market_kline_60min");
    assert.equal(klineChannel("1d"), "market_kline_1day");
  });
  await t.step("unsupported interval is an InputError", () => {
    assert.equal(parseInterval("5m"), "5m");
    assert.throws(() => parseInterval("3m"), { name: "InputError" });
  });
});
