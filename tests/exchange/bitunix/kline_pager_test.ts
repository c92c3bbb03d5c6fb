import assert from "node:assert/strict";
import { BitunixPollingFeed } from "../../../src/exchange/bitunix/kline_feed.ts";
import { fetchKlineRange } from "../../../src/exchange/bitunix/kline_pager.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { defaultKline, KLINE_CONVENTIONS, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { collect, waitFor } from "./_helpers.ts";

const M1 = 60_000;
const T = Date.UTC(2026, 0, 15, 12, 0, 30);

Deno.test("kline paging leaves no hole whichever way the venue reads its bounds", async (t) => {
  const fake = startFakeBitunix({ now: () => T });
  const client = new BitunixRestClient({ baseUrl: fake.baseUrl, rateLimit: false });
  try {
    for (const { window, overflow } of KLINE_CONVENTIONS) {
      await t.step(`start ${window.start}, end ${window.end}, keeps ${overflow}`, async () => {
        fake.state.klineWindow = window;
        fake.state.klineOverflow = overflow;
        const end = Math.floor(T / M1) * M1; // the current bar's open: all closed before it
        const start = end - 1_000 * M1;
        const calls = fake.requestsTo("/market/kline").length;
        const bars = await fetchKlineRange(client, {
          symbol: "BTCUSDT",
          interval: "1m",
          start,
          end,
        });
        assert.equal(bars.length, 1_000);
        bars.forEach((c, i) => assert.equal(c.ts, start + i * M1, `bar ${i}`));
        assert.deepEqual(bars[500], defaultKline(start + 500 * M1, M1));
        const made = fake.requestsTo("/market/kline").slice(calls);
        assert.equal(made.length, Math.ceil(1_000 / 198));
        for (const q of made) {
          const span = Number(q.params.endTime) - Number(q.params.startTime);
          assert.ok(span <= 199 * M1, `a query spans ${span / M1} bars`);
        }
      });
    }
  } finally {
    await fake.close();
  }
});

Deno.test("the feeds' REST catch-up leaves no hole whichever way the venue reads its bounds", async (t) => {
  for (const { window, overflow } of KLINE_CONVENTIONS) {
    await t.step(`start ${window.start}, end ${window.end}, keeps ${overflow}`, async () => {
      let now = T;
      const fake = startFakeBitunix({ now: () => now });
      fake.state.klineWindow = window;
      fake.state.klineOverflow = overflow;
      const feed = new BitunixPollingFeed({
        client: new BitunixRestClient({ baseUrl: fake.baseUrl, rateLimit: false }),
        symbol: "BTCUSDT",
        interval: "1m",
        pollMs: 5,
        warmup: 3,
        now: () => now,
      });
      const { got, done } = collect(feed);
      try {
        await waitFor(() => got.length === 3, "warm-up");
        now += M1; // one bar closes
        await waitFor(() => got.length === 4, "the next bar");
        now += 250 * M1; // an outage: 250 bars close at once
        await waitFor(() => got.length === 254, "the catch-up");
        await new Promise((r) => setTimeout(r, 30));
        const first = Math.floor(T / M1) * M1 - 3 * M1;
        assert.equal(got.length, 254);
        got.forEach((c, i) => assert.equal(c.candle.ts, first + i * M1, `bar ${i}`));
        assert.deepEqual(got.map((c) => c.live).lastIndexOf(false), 252);
        assert.equal(got[253].live, true);
      } finally {
        await feed.close();
        await done;
        await fake.close();
      }
    });
  }
});
