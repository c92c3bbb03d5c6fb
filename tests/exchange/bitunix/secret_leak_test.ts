import assert from "node:assert/strict";
import { defaultBracket } from "../../../src/core/fill_rules.ts";
import { runPreflight } from "../../../src/app/session/preflight.ts";
import { redactBitunixEnv } from "../../../src/config/env.ts";
import { BitunixExchange } from "../../../src/exchange/bitunix/exchange.ts";
import { BitunixKlineFeed } from "../../../src/exchange/bitunix/kline_feed.ts";
import { BitunixPrivateStream } from "../../../src/exchange/bitunix/private_stream.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { startFakeBitunix } from "../../fakes/fake_bitunix.ts";

Deno.test("the API secret never appears in errors, retries, events or preflight lines", async () => {
  const fake = startFakeBitunix();
  const produced: string[] = [];
  const capture = (e: unknown) =>
    produced.push(e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));
  const wrong = `${fake.apiSecret}-but-wrong`;
  try {
    for (const secret of [fake.apiSecret, wrong]) {
      const client = new BitunixRestClient({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        apiSecret: secret,
        sleep: () => Promise.resolve(),
        timeoutMs: 100,
        retry: { maxAttempts: 2 },
        onRetry: (i) => produced.push(JSON.stringify(i)),
      });
      const ex = new BitunixExchange(client);
      fake.inject.serverError(1);
      await client.account().catch(capture);
      fake.inject.rateLimit(1);
      await client.account().catch(capture);
      fake.inject.hang(2);
      await client.account().catch(capture);
      fake.inject.malformed(1);
      await client.pendingPositions().catch(capture);
      fake.inject.schemaViolation(1);
      await client.pendingOrders().catch(capture);
      fake.inject.rejectNextOrder(30042, "Client ID duplicate");
      await ex.placeOrder({
        clientId: "leak-1",
        symbol: "BTCUSDT",
        side: "buy",
        qty: 0.001,
        intent: "entry",
        reduceOnly: false,
        refPrice: 60_000,
        bracket: defaultBracket(50, 2),
      }).catch(capture);
      await ex.placeOrder({
        clientId: "leak-2",
        symbol: "BTCUSDT",
        side: "buy",
        qty: 0.00001,
        intent: "entry",
        reduceOnly: false,
        refPrice: 60_000,
      }).catch(capture);
      const stream = new BitunixPrivateStream({
        baseUrl: fake.wsUrl,
        apiKey: fake.apiKey,
        apiSecret: secret,
        onStatus: (s, i) => produced.push(`${s} ${JSON.stringify(i)}`),
      });
      await stream.start();
      produced.push(String(stream.lastError));
      await stream.close();
      const pre = await runPreflight({
        env: {
          baseUrl: fake.baseUrl,
          wsUrl: fake.wsUrl,
          apiKey: fake.apiKey,
          apiSecret: secret,
          source: {},
        },
        timeoutMs: 1000,
        maxAttempts: 1,
      });
      produced.push(...pre.lines);
      produced.push(JSON.stringify(redactBitunixEnv({
        baseUrl: fake.baseUrl,
        wsUrl: fake.wsUrl,
        apiKey: fake.apiKey,
        apiSecret: secret,
        source: {},
      })));
    }
    const feed = new BitunixKlineFeed({
      client: new BitunixRestClient({ baseUrl: fake.baseUrl }),
      symbol: "BTCUSDT",
      interval: "1m",
      wsUrl: fake.wsUrl,
      onEvent: (e, f) => produced.push(`${e} ${JSON.stringify(f)}`),
    });
    const it = feed.candles()[Symbol.asyncIterator]();
    await feed.close();
    await it.next();
    assert.ok(produced.length >= 30, `${produced.length} messages`);
    for (const m of produced) {
      assert.ok(!m.includes(fake.apiSecret), `secret leaked: ${m.slice(0, 200)}`);
    }
    // Nor does the secret travel over the wire (only its double hash does).
    for (const r of fake.requests) {
      assert.ok(!JSON.stringify(r).includes(fake.apiSecret));
    }
    for (const m of fake.wsMessages) assert.ok(!JSON.stringify(m).includes(fake.apiSecret));
  } finally {
    await fake.close();
  }
});
