import assert from "node:assert/strict";
import type { LogLevel } from "../../../src/core/events.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { type FakeBitunix, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { instantClient } from "../../fakes/fake_venue_access.ts";
import { rejection } from "./_helpers.ts";

const AHEAD = 60_000;

/** What a session does with the venue in its first minute. */
async function sessionCalls(client: BitunixRestClient): Promise<void> {
  await client.account();
  await client.pendingPositions("BTCUSDT");
  await client.pendingOrders({ symbol: "BTCUSDT" });
  const { orderId } = await client.placeOrder({
    symbol: "BTCUSDT",
    side: "BUY",
    orderType: "MARKET",
    qty: "0.001",
    clientId: `clock-${crypto.randomUUID().slice(0, 8)}`,
  });
  await client.orderDetail({ orderId });
  await client.historyTrades({ symbol: "BTCUSDT" });
  await client.pendingTpsl({ symbol: "BTCUSDT" });
  await client.cancelAllOrders("BTCUSDT");
}

function mk(fake: FakeBitunix, over: Record<string, unknown> = {}) {
  const events: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  const client = instantClient(fake, {
    events: { emit: (level, _c, event, fields = {}) => events.push({ level, event, fields }) },
    ...over,
  });
  return { client, events };
}

Deno.test("clock offset from the venue's Date header", async (t) => {
  const fake = startFakeBitunix();
  fake.inject.clockSkew(AHEAD); // beyond the fake's 30 s receive window
  try {
    await t.step(
      "a session's private calls succeed once the first reply taught the offset",
      async () => {
        const { client, events } = mk(fake);
        const before = fake.requests.length;
        await sessionCalls(client);
        const sent = fake.requests.slice(before);
        // one refusal (the first call, signed with the local time), then every call passes
        assert.equal(sent.length, 9);
        assert.equal(sent[0].path, sent[1].path, "the refused call is retried once");
        assert.ok(
          Math.abs(client.clockOffsetMs - AHEAD) <= 1_500,
          `offset ${client.clockOffsetMs}`,
        );
        assert.ok(Math.abs(client.serverNow() - fake.now()) <= 1_500);
        assert.equal(client.counters.clockCorrections, 1);
        const corrected = events.filter((e) => e.event === "rest.clock_corrected");
        assert.equal(corrected.length, 1);
        assert.equal(corrected[0].level, "warn");
        assert.ok(Math.abs((corrected[0].fields.offsetMs as number) - AHEAD) <= 1_500);
        const retried = events.filter((e) => e.event === "rest.retried");
        assert.equal(retried.length, 1);
        assert.match(
          String(retried[0].fields.reason),
          /timestamp.*local clock is \d+\.\d s behind/,
        );
      },
    );

    await t.step("a public call first: no refusal at all", async () => {
      const { client } = mk(fake);
      await client.tradingPairs(["BTCUSDT"]);
      const before = fake.requests.length;
      await sessionCalls(client);
      assert.equal(fake.requests.length - before, 8);
    });

    await t.step("with correction off the refusal says how far off the clock is", async () => {
      const { client } = mk(fake, { clockSync: false });
      await client.tradingPairs(["BTCUSDT"]);
      const before = fake.requests.length;
      const e = await rejection(client.account());
      assert.match(
        e.message,
        /^Bitunix account failed: 10002 Parameter error: timestamp outside the accepted window \(the local clock is (59|60)\.\d s behind the venue's\) \(fatal\)$/,
      );
      assert.equal(fake.requests.length - before, 1, "not retried");
      assert.equal(client.clockOffsetMs, 0);
      assert.ok(Math.abs(client.measuredClockOffsetMs! - AHEAD) <= 1_500);
    });

    await t.step("a local clock ahead of the venue's", async () => {
      fake.inject.clockSkew(-45_000);
      const { client } = mk(fake, { clockSync: false });
      const e = await rejection(client.account());
      assert.match(
        e.message,
        /\(the local clock is (44|45)\.\d s ahead of the venue's\) \(fatal\)$/,
      );
      const fixed = mk(fake).client;
      await sessionCalls(fixed);
      fake.inject.clockSkew(AHEAD);
    });
  } finally {
    await fake.close();
  }
});

Deno.test("timestamp refusals: 10002 and 10004 'Timestamp expired'", async (t) => {
  const fake = startFakeBitunix();
  try {
    await t.step("10004 Timestamp expired: measured again and retried once", async () => {
      fake.inject.clockSkew(AHEAD);
      fake.state.timestampRefusal = { code: 10004, msg: "Timestamp expired" };
      const { client } = mk(fake);
      const before = fake.requests.length;
      await client.account();
      assert.equal(fake.requests.length - before, 2);
      const off = mk(fake, { clockSync: false }).client;
      const e = await rejection(off.account());
      assert.match(
        e.message,
        /^Bitunix account failed: 10004 Timestamp expired \(the local clock is (59|60)\.\d s behind the venue's\) \(fatal\)$/,
      );
    });

    await t.step("a clock refusal that persists after the retry fails with the note", async () => {
      fake.inject.clockSkew(0);
      fake.inject.errorCode(10004, "Timestamp expired", 2, { path: "/account" });
      const { client } = mk(fake);
      const before = fake.requests.length;
      const e = await rejection(client.account());
      assert.equal(fake.requests.length - before, 2, "one retry, no more");
      assert.match(
        e.message,
        /^Bitunix account failed after 2 attempts: 10004 Timestamp expired \(the local clock agrees with the venue's to within 1 s\) \(fatal\)$/,
      );
    });

    await t.step("10004 about the IP whitelist is not a clock problem", async () => {
      fake.inject.errorCode(10004, "IP not in the API key whitelist", 1, { path: "/account" });
      const { client } = mk(fake);
      const before = fake.requests.length;
      const e = await rejection(client.account());
      assert.equal(fake.requests.length - before, 1);
      assert.equal(
        e.message,
        "Bitunix account failed: 10004 IP not in the API key whitelist (fatal)",
      );
    });
  } finally {
    await fake.close();
  }
});

Deno.test("clock offset: injected clocks, and a clock in step is left alone", async () => {
  let local = Date.UTC(2026, 0, 15, 12, 0, 0, 400);
  const fake = startFakeBitunix({ now: () => local });
  try {
    const { client } = mk(fake, { now: () => local });
    await client.account();
    await client.tradingPairs();
    await client.account();
    assert.equal(client.clockOffsetMs, 0);
    assert.equal(client.counters.clockCorrections, 0);
    assert.equal(fake.requests.at(-1)!.timestamp, String(local), "signed with the local time");
    local += 1_000;
    fake.inject.clockSkew(90_000);
    await client.account(); // refused, measured again, retried
    assert.ok(Math.abs(client.clockOffsetMs - 90_000) <= 1_000, String(client.clockOffsetMs));
    assert.equal(fake.requests.at(-1)!.timestamp, String(local + client.clockOffsetMs));
    assert.equal(fake.requests.at(-2)!.timestamp, String(local));
  } finally {
    await fake.close();
  }
});

Deno.test("clock offset: a reply served from a cache teaches nothing", async () => {
  const fake = startFakeBitunix();
  try {
    // A caching proxy in front of the venue: the Date of a reply made a minute ago, Age 60.
    const cachingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/market/")) return res;
      const headers = new Headers(res.headers);
      headers.set("date", new Date(Date.now() - 60_000).toUTCString());
      headers.set("age", "60");
      return new Response(await res.text(), { status: res.status, headers });
    };
    const { client } = mk(fake, { fetch: cachingFetch });
    await client.tradingPairs(["BTCUSDT"]);
    assert.equal(client.clockOffsetMs, 0);
    await client.account();
    assert.equal(client.counters.retries, 0);
  } finally {
    await fake.close();
  }
});
