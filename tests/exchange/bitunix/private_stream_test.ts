import assert from "node:assert/strict";
import { BitunixPrivateStream, type OrderUpdate } from "../../../src/exchange/bitunix/mod.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { type FakeTimeFormat, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { waitFor } from "./_helpers.ts";

Deno.test("private order pushes with string times", async (t) => {
  const T = Date.UTC(2026, 0, 15, 12, 0, 0, 250);
  const fake = startFakeBitunix({ now: () => T });
  const orders: OrderUpdate[] = [];
  const bad: string[] = [];
  const stream = new BitunixPrivateStream({
    baseUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    now: () => T,
    pingIntervalMs: 60_000,
    onOrder: (o) => orders.push(o),
    onBadPayload: (ch) => bad.push(ch),
  });
  const client = new BitunixRestClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    now: () => T,
  });
  try {
    assert.equal(await stream.start(), true);
    await waitFor(() => fake.subscribers("order") === 1, "order subscription");
    const formats: FakeTimeFormat[] = ["rfc3339", "iso", "string", "number"];
    for (const [i, format] of formats.entries()) {
      await t.step(`ctime/mtime as ${format}`, async () => {
        fake.state.pushTimeFormat = format;
        await client.placeOrder({
          symbol: "BTCUSDT",
          side: i % 2 ? "SELL" : "BUY",
          orderType: "MARKET",
          qty: "0.001",
          clientId: `t-${format}`,
        });
        await waitFor(() => orders.length === i + 1 || bad.length > 0, "order push");
        assert.deepEqual(bad, []);
        const o = orders[i];
        assert.deepEqual([o.clientId, o.status, o.ts], [`t-${format}`, "FILLED", T]);
      });
    }
  } finally {
    await stream.close();
    await fake.close();
  }
});
