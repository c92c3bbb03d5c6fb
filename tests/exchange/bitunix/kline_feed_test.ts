import assert from "node:assert/strict";
import { BitunixKlineFeed, BitunixPollingFeed } from "../../../src/exchange/bitunix/kline_feed.ts";
import { BitunixPrivateStream } from "../../../src/exchange/bitunix/private_stream.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { BitunixWsClient } from "../../../src/exchange/bitunix/ws_client.ts";
import { defaultKline, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { collect, waitFor } from "./_helpers.ts";

const M1 = 60_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

Deno.test("BitunixKlineFeed: bar close by bucket roll-over, drop, REST gap fill", async (t) => {
  let now = T0 + 10_000;
  const fake = startFakeBitunix({ now: () => now });
  const client = new BitunixRestClient({ baseUrl: fake.baseUrl, sleep: () => Promise.resolve() });
  const events: string[] = [];
  const feed = new BitunixKlineFeed({
    client,
    symbol: "BTCUSDT",
    interval: "1m",
    wsUrl: fake.wsUrl,
    warmup: 5,
    now: () => now,
    ws: { reconnectBaseMs: 20, reconnectMaxMs: 40, pingIntervalMs: 60_000 },
    onEvent: (e) => events.push(e),
  });
  const { got, done } = collect(feed);
  const ch = "market_kline_1min";
  try {
    await t.step("warm-up history first, live: false", async () => {
      await waitFor(() => fake.subscribers(ch) === 1, "subscription");
      assert.equal(got.length, 5);
      assert.ok(got.every((c) => !c.live));
      assert.equal(got[4].candle.ts, T0 - M1);
      assert.deepEqual(got[4].candle, defaultKline(T0 - M1, M1));
    });

    await t.step("a push for a newer bucket closes the previous bar, as REST has it", async () => {
      fake.pushKline({ ch, ts: T0 + 20_000 });
      // the last push before the roll-over misses the bar's last moments
      const partial = { ts: T0, open: 1, high: 3, low: 0.5, close: 2, volume: 7 };
      fake.pushKline({ ch, ts: T0 + 59_000, candle: partial });
      now = T0 + M1 + 1_000;
      fake.pushKline({ ch, ts: now });
      await waitFor(() => got.length === 6, "closed bar T0");
      assert.deepEqual(got[5], { candle: defaultKline(T0, M1), live: true });
      assert.ok(events.includes("feed.bar_corrected"));
      assert.equal(feed.counters.barsCorrected, 1);
      assert.ok(feed.lastMessageAt !== undefined);
    });

    await t.step("after a drop, missed bars come from REST; no loss, no duplicate", async () => {
      fake.inject.dropWebSockets();
      now = T0 + 4 * M1 + 5_000; // bars T0+1m .. T0+3m closed while disconnected
      await waitFor(() => got.length === 9, "REST gap fill after reconnect");
      fake.pushKline({ ch, ts: T0 + 5 * M1 + 1_000 });
      now = T0 + 5 * M1 + 1_000;
      await waitFor(() => got.length === 10, "next live bar");
      const ts = got.map((c) => c.candle.ts);
      for (let i = 1; i < ts.length; i++) assert.equal(ts[i] - ts[i - 1], M1, `step ${i}`);
      assert.equal(new Set(ts).size, ts.length);
      assert.equal(got[8].live, true, "the just-closed bar is live");
      assert.equal(got[7].live, false, "older missed bars are not live");
      assert.deepEqual(got[9].candle, defaultKline(T0 + 4 * M1, M1));
      assert.ok(events.includes("feed.reconnected"));
      assert.ok(events.includes("feed.gap_filled"));
    });

    await t.step("late or repeated pushes never re-emit a bar", async () => {
      fake.pushKline({ ch, ts: T0 + 2 * M1 });
      fake.pushKline({ ch, ts: T0 + 5 * M1 + 2_000 });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got.length, 10);
    });
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});

Deno.test("BitunixPollingFeed emits newly closed bars", async (t) => {
  let now = T0 + 30_000;
  const fake = startFakeBitunix({ now: () => now });
  const client = new BitunixRestClient({ baseUrl: fake.baseUrl });
  const feed = new BitunixPollingFeed({
    client,
    symbol: "BTCUSDT",
    interval: "1m",
    pollMs: 10,
    warmup: 3,
    now: () => now,
  });
  const { got, done } = collect(feed);
  try {
    await t.step("warm-up then each closed bar once", async () => {
      await waitFor(() => got.length === 3, "warm-up");
      assert.ok(got.every((c) => !c.live));
      now = T0 + 2 * M1 + 1;
      await waitFor(() => got.length === 5, "two closed bars");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got.length, 5);
      assert.deepEqual(got.map((c) => c.candle.ts), [
        T0 - 3 * M1,
        T0 - 2 * M1,
        T0 - M1,
        T0,
        T0 + M1,
      ]);
      assert.deepEqual(got.map((c) => c.live), [false, false, false, false, true]);
      assert.ok(feed.lastMessageAt !== undefined);
    });
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});

Deno.test("BitunixWsClient heartbeat and private login", async (t) => {
  const fake = startFakeBitunix();
  try {
    await t.step("JSON ping gets a pong", async () => {
      const ws = new BitunixWsClient({
        baseUrl: fake.wsUrl,
        kind: "public",
        pingIntervalMs: 60_000,
      });
      ws.start();
      assert.equal(await ws.waitReady(), true);
      const rtt = await ws.ping();
      assert.ok(rtt >= 0);
      const ping = fake.wsMessages.find((m) => m.message.op === "ping")!;
      assert.equal(typeof ping.message.ping, "number");
      assert.ok((ping.message.ping as number) < 1e11, "ping carries unix seconds");
      await ws.close();
    });

    await t.step("no pong within the timeout forces a reconnect", async () => {
      const statuses: string[] = [];
      const ws = new BitunixWsClient({
        baseUrl: fake.wsUrl,
        kind: "public",
        pingIntervalMs: 30,
        pongTimeoutMs: 30,
        reconnectBaseMs: 10,
        onStatus: (s, i) => statuses.push(`${s}${i.reconnect ? "+r" : ""}`),
      });
      ws.start();
      await ws.waitReady();
      fake.state.ignorePings = true;
      await waitFor(() => statuses.includes("closed"), "drop on missing pong");
      fake.state.ignorePings = false;
      await waitFor(() => statuses.includes("ready+r"), "reconnect");
      await ws.close();
    });

    await t.step("private login (unix seconds) then order pushes parsed", async () => {
      const orders: string[] = [];
      const stream = new BitunixPrivateStream({
        baseUrl: fake.wsUrl,
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        pingIntervalMs: 60_000,
        onOrder: (o) => orders.push(`${o.clientId}:${o.status}:${o.filledQty}`),
      });
      assert.equal(await stream.start(), true);
      const login = fake.wsMessages.find((m) => m.message.op === "login")!;
      const arg = (login.message.args as Record<string, unknown>[])[0];
      assert.equal(typeof arg.timestamp, "number");
      assert.ok(Math.abs((arg.timestamp as number) - Date.now() / 1000) < 60);
      assert.match(String(arg.nonce), /^[0-9a-f]{32}$/);
      await waitFor(() => fake.subscribers("order") === 1, "order subscription");
      const client = new BitunixRestClient({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
      });
      await client.placeOrder({
        symbol: "BTCUSDT",
        side: "BUY",
        orderType: "MARKET",
        qty: "0.001",
        clientId: "ws-1",
      });
      await waitFor(() => orders.length === 1, "order push");
      assert.deepEqual(orders, ["ws-1:FILLED:0.001"]);
      await stream.close();
    });

    await t.step("bad credentials: login fails, no reconnect loop", async () => {
      const stream = new BitunixPrivateStream({
        baseUrl: fake.wsUrl,
        apiKey: fake.apiKey,
        apiSecret: "not-the-secret",
        reconnectBaseMs: 10,
      });
      assert.equal(await stream.start(), false);
      assert.equal(stream.lastError, "login failed");
      await stream.close();
    });
  } finally {
    await fake.close();
  }
});

Deno.test("BitunixKlineFeed: pushed volume is the base-coin amount under either naming", async () => {
  let now = T0 + 10_000;
  const fake = startFakeBitunix({ now: () => now, wsSnapshot: false });
  const feed = new BitunixKlineFeed({
    client: new BitunixRestClient({ baseUrl: fake.baseUrl, sleep: () => Promise.resolve() }),
    symbol: "BTCUSDT",
    interval: "1m",
    wsUrl: fake.wsUrl,
    now: () => now,
    ws: { pingIntervalMs: 60_000 },
    confirmMs: 0, // the pushed values themselves are under test
  });
  const { got, done } = collect(feed);
  const ch = "market_kline_1min";
  const bar = (ts: number) => ({ ts, open: 100, high: 110, low: 90, close: 105, volume: 3 });
  try {
    await waitFor(() => fake.subscribers(ch) === 1, "subscription");
    fake.state.volumeFields = "swapped";
    fake.pushKline({ ch, ts: T0 + 20_000, candle: bar(T0) });
    now = T0 + M1 + 1_000;
    fake.state.volumeFields = "named";
    fake.pushKline({ ch, ts: now, candle: bar(T0 + M1) });
    now = T0 + 2 * M1 + 1_000;
    fake.pushKline({ ch, ts: now, candle: bar(T0 + 2 * M1) });
    await waitFor(() => got.length === 2, "two closed bars");
    assert.deepEqual(got.map((c) => [c.candle.ts, c.candle.volume]), [[T0, 3], [T0 + M1, 3]]);
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});

Deno.test("BitunixKlineFeed: a closed bar REST cannot confirm in time is decided as pushed", async () => {
  let now = T0 + 10_000;
  const fake = startFakeBitunix({ now: () => now });
  const client = new BitunixRestClient({
    baseUrl: fake.baseUrl,
    sleep: () => Promise.resolve(),
    retry: { maxAttempts: 1 },
  });
  const fields: Record<string, unknown>[] = [];
  const feed = new BitunixKlineFeed({
    client,
    symbol: "BTCUSDT",
    interval: "1m",
    wsUrl: fake.wsUrl,
    now: () => now,
    confirmMs: 150,
    ws: { reconnectBaseMs: 20, reconnectMaxMs: 40, pingIntervalMs: 60_000 },
    onEvent: (e, f) => e === "feed.bar_unconfirmed" && fields.push(f),
  });
  const { got, done } = collect(feed);
  const ch = "market_kline_1min";
  try {
    await waitFor(() => fake.subscribers(ch) === 1, "subscription");
    const pushed = { ts: T0, open: 1, high: 3, low: 0.5, close: 2, volume: 7 };
    fake.pushKline({ ch, ts: T0 + 59_000, candle: pushed });
    fake.inject.serverError(1_000, { path: "/market/kline" });
    now = T0 + M1 + 1_000;
    fake.pushKline({ ch, ts: now });
    await waitFor(() => got.some((c) => c.live), "closed bar T0");
    const live = got.find((c) => c.live)!;
    assert.deepEqual(live.candle, pushed);
    assert.equal(fields.length, 1);
    assert.equal(fields[0].ts, T0);
    assert.ok((fields[0].waitedMs as number) >= 100);
    assert.equal(feed.counters.barsUnconfirmed, 1);
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});
