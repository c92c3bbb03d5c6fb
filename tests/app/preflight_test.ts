import assert from "node:assert/strict";
import { command, runPreflight } from "../../src/app/session/preflight.ts";
import type { BitunixEnv } from "../../src/config/env.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";

Deno.test("preflight against the fake venue", async (t) => {
  const fake = startFakeBitunix();
  const env = (over: Partial<BitunixEnv> = {}): BitunixEnv => ({
    baseUrl: fake.baseUrl,
    wsUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    source: {},
    ...over,
  });
  const all: string[] = [];
  const run = async (e: BitunixEnv, o: Record<string, unknown> = {}) => {
    const r = await runPreflight({ env: e, timeoutMs: 2000, maxAttempts: 1, ...o });
    all.push(...r.lines);
    return r;
  };
  const line = (lines: string[], check: string) => lines.find((l) => l.includes(` ${check}:`));
  try {
    await t.step("all checks pass on a healthy venue", async () => {
      fake.state.positions.push({
        positionId: "p1",
        symbol: "BTCUSDT",
        side: "LONG",
        qty: 0.01,
        avgOpenPrice: 59_000,
      });
      const r = await run(env());
      assert.equal(r.ok, true, r.lines.join("\n"));
      for (
        const c of [
          "rest",
          "symbol",
          "precision",
          "klines",
          "clock",
          "websocket",
          "credentials",
          "leverage",
          "positions",
          "orders",
        ]
      ) {
        assert.match(line(r.lines, c) ?? "", /^PASS /, c);
      }
      assert.equal(
        line(r.lines, "symbol"),
        "PASS symbol: BTCUSDT listed, status OPEN, API trading supported",
      );
      assert.match(line(r.lines, "precision")!, /minQty 0.0001, qtyStep 0.0001, tickSize 0.1/);
      assert.match(line(r.lines, "leverage")!, /10x CROSS/);
      assert.match(line(r.lines, "positions")!, /BTCUSDT long 0.01 @ 59000/);
      fake.state.positions = [];
    });

    await t.step("missing keys: clear FAIL lines, no crash", async () => {
      const r = await run(env({ apiKey: undefined, apiSecret: undefined }));
      assert.equal(r.ok, false);
      assert.equal(
        line(r.lines, "credentials"),
        "FAIL credentials: BITUNIX_API_KEY and BITUNIX_API_SECRET not set (environment or .env)",
      );
      assert.match(line(r.lines, "rest")!, /^PASS/);
    });

    await t.step("bad keys: credentials FAIL with the venue's reason", async () => {
      const r = await run(env({ apiSecret: "a-wrong-secret-1234" }));
      assert.equal(r.ok, false);
      assert.match(
        line(r.lines, "credentials")!,
        /^FAIL credentials: Bitunix account failed: 10007 Signature Error/,
      );
    });

    await t.step("unknown symbol", async () => {
      const r = await run(env(), { symbol: "DOGEUSDX" });
      assert.equal(r.ok, false);
      assert.equal(line(r.lines, "symbol"), "FAIL symbol: DOGEUSDX is not listed by trading_pairs");
    });

    await t.step("symbol not tradable", async () => {
      fake.state.symbols[1].symbolStatus = "CANCEL_ONLY";
      const r = await run(env(), { symbol: "ETHUSDT" });
      assert.match(line(r.lines, "symbol")!, /^FAIL symbol: ETHUSDT status is CANCEL_ONLY/);
      fake.state.symbols[1].symbolStatus = "OPEN";
    });

    await t.step("symbol closed to API trading", async () => {
      fake.state.symbols[1].isApiSupported = false;
      const r = await run(env(), { symbol: "ETHUSDT" });
      fake.state.symbols[1].isApiSupported = true;
      assert.equal(r.ok, false);
      assert.equal(
        line(r.lines, "symbol"),
        "FAIL symbol: ETHUSDT takes no API orders (trading_pairs isApiSupported false)",
      );
    });

    await t.step("clock skew beyond the limit fails", async () => {
      fake.inject.clockSkew(20_000);
      const r = await run(env());
      fake.inject.clockSkew(0);
      assert.equal(r.ok, false);
      assert.match(
        line(r.lines, "clock")!,
        /^FAIL clock: local clock differs from server by -?\d+ ms/,
      );
    });

    await t.step("REST and WS unreachable", async () => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      const r = await run(
        env({ baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }),
        { timeoutMs: 300 },
      );
      assert.equal(r.ok, false);
      assert.match(line(r.lines, "rest")!, /^FAIL rest: .* unreachable/);
      assert.match(line(r.lines, "websocket")!, /^FAIL websocket/);
    });

    await t.step("command: flags parsed, exit code 1 on failure", async () => {
      assert.equal(command.name, "preflight");
      assert.match(await command.help(), /--symbol/);
      await assert.rejects(command.run(["--interval", "3m"]), { name: "InputError" });
    });

    await t.step("no line ever contains a secret", () => {
      assert.ok(all.length > 40);
      for (const l of all) {
        assert.ok(!l.includes(fake.apiSecret), l);
        assert.ok(!l.includes("a-wrong-secret-1234"), l);
      }
    });
  } finally {
    await fake.close();
  }
});
