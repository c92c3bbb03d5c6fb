import assert from "node:assert/strict";
import type { EventSink, LogLevel } from "../../../src/core/events.ts";
import {
  BitunixKlineFeed,
  BitunixPollingFeed,
  BitunixPrivateStream,
  displayUrl,
} from "../../../src/exchange/bitunix/mod.ts";
import { startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { instantClient } from "../../fakes/fake_venue_access.ts";
import { collect, waitFor } from "./_helpers.ts";

const M1 = 60_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Ev {
  level: LogLevel;
  component: string;
  event: string;
  fields: Record<string, unknown>;
}

function recorder(): { sink: EventSink; events: Ev[]; of(name: string): Ev[] } {
  const events: Ev[] = [];
  return {
    events,
    sink: {
      emit: (level, component, event, fields = {}) =>
        events.push({ level, component, event, fields }),
    },
    of: (name) => events.filter((e) => e.event === name),
  };
}

Deno.test("REST client events: retries and schema failures", async (t) => {
  const fake = startFakeBitunix();
  const rec = recorder();
  const client = instantClient(fake, { random: () => 0.5, events: rec.sink });
  try {
    await t.step("rest.retried: endpoint, attempt, reason, delay", async () => {
      fake.inject.serverError(2, { path: "/market/tickers" });
      await client.tickers(["BTCUSDT"]);
      const r = rec.of("rest.retried");
      assert.equal(r.length, 2);
      assert.deepEqual(r.map((e) => [e.level, e.component]), [["warn", "bitunix"], [
        "warn",
        "bitunix",
      ]]);
      assert.deepEqual(r[0].fields, {
        endpoint: "tickers",
        attempt: 1,
        reason: "HTTP 503 Service Unavailable",
        kind: "http",
        status: 503,
        delayMs: 188,
      });
      assert.equal(r[1].fields.attempt, 2);
      assert.ok((r[1].fields.delayMs as number) > (r[0].fields.delayMs as number));
      fake.inject.rateLimit(1, { path: "/account" });
      await client.account();
      const rl = rec.of("rest.retried")[2].fields;
      assert.deepEqual([rl.endpoint, rl.code, rl.reason], [
        "account",
        10006,
        "10006 Request too frequently",
      ]);
      assert.equal(client.counters.retries, 3);
    });

    await t.step("rest.schema_failed: endpoint and issue path, not the payload", async () => {
      fake.inject.schemaViolation(1, { path: "/market/kline" });
      await assert.rejects(client.klines({ symbol: "BTCUSDT", interval: "1m" }));
      fake.inject.schemaViolation(1, { path: "/account" });
      await assert.rejects(client.account());
      fake.inject.malformed(1, { path: "/market/depth" });
      await assert.rejects(client.depth("BTCUSDT"));
      const s = rec.of("rest.schema_failed");
      assert.equal(s.length, 3);
      assert.equal(s[0].level, "warn");
      assert.deepEqual(Object.keys(s[0].fields).sort(), ["endpoint", "issue", "part", "path"]);
      assert.deepEqual([s[0].fields.endpoint, s[0].fields.part, s[0].fields.path], [
        "klines",
        "data",
        "0.open",
      ]);
      assert.equal(s[1].fields.endpoint, "account");
      assert.deepEqual([s[2].fields.endpoint, s[2].fields.part], ["depth", "json"]);
      const text = JSON.stringify(rec.events);
      assert.ok(!text.includes("bogus"), "no payload value in the events");
      assert.ok(!text.includes(fake.apiSecret) && !text.includes(fake.apiKey));
      assert.equal(client.counters.schemaFailures, 3);
    });
  } finally {
    await fake.close();
  }
});

Deno.test("kline feed events: drop, reconnect, gap, bad push", async (t) => {
  let now = T0 + 10_000;
  const fake = startFakeBitunix({ now: () => now });
  const rec = recorder();
  const legacy: string[] = [];
  const feed = new BitunixKlineFeed({
    client: instantClient(fake),
    symbol: "BTCUSDT",
    interval: "1m",
    wsUrl: fake.wsUrl,
    warmup: 2,
    now: () => now,
    ws: { reconnectBaseMs: 20, reconnectMaxMs: 40, pingIntervalMs: 60_000, random: () => 0 },
    events: rec.sink,
    onEvent: (e) => legacy.push(e),
  });
  const { got, done } = collect(feed);
  const ch = "market_kline_1min";
  try {
    await waitFor(() => fake.subscribers(ch) === 1, "subscription");
    await waitFor(() => got.length === 2, "warm-up");

    await t.step("feed.disconnected and feed.reconnected: url, reason, attempt", async () => {
      fake.inject.dropWebSockets();
      now = T0 + 4 * M1 + 5_000; // bars T0 .. T0+3m close while disconnected
      await waitFor(() => rec.of("feed.reconnected").length === 1, "reconnect");
      const [d] = rec.of("feed.disconnected");
      assert.equal(d.level, "warn");
      assert.equal(d.component, "bitunix");
      assert.deepEqual(
        { ...d.fields, reason: String(d.fields.reason).replace(/\d+/, "N") },
        {
          url: `${fake.wsUrl}/public/`,
          kind: "public",
          reason: "code N fake drop",
          attempt: 1,
          delayMs: 10,
          symbol: "BTCUSDT",
          interval: "1m",
        },
      );
      const [r] = rec.of("feed.reconnected");
      assert.equal(r.level, "info");
      assert.deepEqual([r.fields.url, r.fields.kind, r.fields.attempt], [
        `${fake.wsUrl}/public/`,
        "public",
        1,
      ]);
      assert.equal(typeof r.fields.downMs, "number");
    });

    await t.step("feed.gap_filled: from, to, count", async () => {
      await waitFor(() => got.length === 6, "REST catch-up");
      const [g] = rec.of("feed.gap_filled");
      assert.equal(g.level, "info");
      assert.deepEqual(
        [g.fields.reason, g.fields.from, g.fields.to, g.fields.count, g.fields.expected],
        ["sync", T0, T0 + 4 * M1, 4, 4],
      );
      assert.deepEqual(feed.counters, {
        disconnects: 1,
        reconnects: 1,
        replayedCandles: 4,
        gapFills: 1,
        schemaFailures: 0,
        restFailures: 0,
        barsCorrected: 0,
        barsUnconfirmed: 0,
      });
    });

    await t.step("feed.schema_failed: channel and issue path", async () => {
      fake.pushKline({
        ch,
        ts: now,
        candle: { ts: T0 + 4 * M1, open: Number.NaN, high: 1, low: 1, close: 1, volume: 1 },
      });
      await waitFor(() => rec.of("feed.schema_failed").length === 1, "schema event");
      const [s] = rec.of("feed.schema_failed");
      assert.deepEqual([s.level, s.fields.ch, s.fields.path], ["warn", ch, "o"]);
      assert.equal(feed.counters.schemaFailures, 1);
    });

    await t.step("the legacy onEvent handler sees the same events", () => {
      for (const e of ["feed.disconnected", "feed.reconnected", "feed.gap_filled"]) {
        assert.ok(legacy.includes(e), e);
      }
    });
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});

Deno.test("polling feed events: a catch-up after missed polls is reported", async () => {
  let now = T0 + 30_000;
  const fake = startFakeBitunix({ now: () => now });
  const rec = recorder();
  const feed = new BitunixPollingFeed({
    client: instantClient(fake, { retry: { maxAttempts: 1 } }),
    symbol: "BTCUSDT",
    interval: "1m",
    pollMs: 5,
    warmup: 1,
    now: () => now,
    events: rec.sink,
  });
  const { got, done } = collect(feed);
  try {
    await waitFor(() => got.length === 1, "warm-up");
    now = T0 + M1 + 1_000;
    await waitFor(() => got.length === 2, "one bar");
    assert.equal(rec.of("feed.gap_filled").length, 0, "an ordinary poll is no gap");
    fake.inject.serverError(3, { path: "/market/kline" });
    now = T0 + 5 * M1 + 1_000;
    await waitFor(() => got.length === 6, "catch-up");
    assert.ok(rec.of("feed.poll_failed").length >= 1);
    const [g] = rec.of("feed.gap_filled");
    assert.deepEqual([g.fields.from, g.fields.to, g.fields.count], [T0 + M1, T0 + 5 * M1, 4]);
    assert.equal(feed.counters.replayedCandles, 4);
    assert.ok(feed.counters.restFailures >= 1);
  } finally {
    await feed.close();
    await done;
    await fake.close();
  }
});

Deno.test("private stream events: drop, reconnect, bad push", async () => {
  const fake = startFakeBitunix();
  const rec = recorder();
  const stream = new BitunixPrivateStream({
    baseUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    pingIntervalMs: 60_000,
    reconnectBaseMs: 10,
    events: rec.sink,
  });
  try {
    assert.equal(await stream.start(), true);
    await waitFor(() => fake.subscribers("order") === 1, "order subscription");
    fake.inject.dropWebSockets();
    await waitFor(() => rec.of("feed.reconnected").length === 1, "reconnect");
    assert.deepEqual(rec.of("feed.disconnected")[0].fields.kind, "private");
    await waitFor(() => fake.subscribers("order") === 1, "order subscription again");
    fake.pushPrivate("order", { orderId: "1", symbol: "BTCUSDT", side: "HOLD", qty: "1" });
    await waitFor(() => rec.of("feed.schema_failed").length === 1, "schema event");
    const [s] = rec.of("feed.schema_failed");
    assert.deepEqual([s.fields.ch, s.fields.path], ["order", "side"]);
    assert.deepEqual(stream.counters, { disconnects: 1, reconnects: 1, schemaFailures: 1 });
    assert.ok(!JSON.stringify(rec.events).includes(fake.apiSecret));
  } finally {
    await stream.close();
    await fake.close();
  }
});

Deno.test("displayUrl drops query, fragment and credentials", () => {
  assert.equal(
    displayUrl("wss://user:pw@fapi.bitunix.com/public/?token=abc#x"),
    "wss://fapi.bitunix.com/public/",
  );
  assert.equal(displayUrl("not a url?secret=1"), "not a url");
});
