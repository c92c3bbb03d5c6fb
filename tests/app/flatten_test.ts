import assert from "node:assert/strict";
import { defaultBracket } from "../../src/core/fill_rules.ts";
import { createFlattenCommand, flattenClientId } from "../../src/app/supervise/flatten.ts";
import { savePaperState } from "../../src/app/session/paper_state.ts";
import { isInputError } from "../../src/core/errors.ts";
import { BitunixExchange, BitunixRestClient } from "../../src/exchange/bitunix/mod.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";

Deno.test("flatten (emergency stop)", async (t) => {
  const dir = await Deno.makeTempDir();
  // A clock that starts a second into a minute and moves 10 ms per reading.
  const base = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
  let ticks = 0;
  const clock = () => base + 10 * ticks++;
  const fake = startFakeBitunix({ now: clock, price: 42_000 });
  const env: Record<string, string | undefined> = {
    BITUNIX_BASE_URL: fake.baseUrl,
    BITUNIX_API_KEY: fake.apiKey,
    BITUNIX_API_SECRET: fake.apiSecret,
  };
  const ks = `${dir}/config/KILL_SWITCH.txt`;
  const run = async (argv: string[], getEnv = (k: string) => env[k]) => {
    const out: string[] = [];
    const cmd = createFlattenCommand({
      out: (l) => out.push(l),
      getEnv,
      envFile: `${dir}/no.env`,
      now: clock,
    });
    const code = await cmd.run(["--kill-switch", ks, ...argv]);
    return { code, out };
  };
  const venue = new BitunixExchange(
    new BitunixRestClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      now: clock,
    }),
    { now: clock },
  );
  const openLong = () =>
    venue.placeOrder({
      clientId: `la1a2b3c4d-${ticks}-e`,
      symbol: "BTCUSDT",
      side: "buy",
      qty: 0.015,
      intent: "entry",
      reduceOnly: false,
      refPrice: 42_000,
      bracket: defaultBracket(30, 1.5),
    });
  const workingOrder = (orderId: string) =>
    fake.state.orders.push({
      orderId,
      clientId: `la1a2b3c4d-w${orderId}`,
      symbol: "BTCUSDT",
      side: "SELL",
      orderType: "LIMIT",
      qty: 0.015,
      price: 50_000,
      tradeQty: 0,
      reduceOnly: true,
      status: "NEW",
      ctime: clock(),
    });

  try {
    await t.step("live: trips the switch, cancels, closes reduce-only, ends flat", async () => {
      await openLong();
      workingOrder("7001");
      workingOrder("7002");
      const before = fake.requests.length;
      const { code, out } = await run([]);
      assert.equal(code, 0);
      assert.equal((await Deno.readTextFile(ks)).trim(), "TRUE");
      assert.match(out[0], /^KILL SWITCH TRIPPED: wrote TRUE to /);
      assert.equal(out[1], "Cancelled 2 orders; closed LONG 0.015 BTCUSDT; position now flat");
      const mine = fake.requests.slice(before);
      assert.equal(mine.filter((r) => r.path.endsWith("/cancel_all_orders")).length, 1);
      const places = mine.filter((r) => r.path.endsWith("/place_order"));
      assert.equal(places.length, 1);
      assert.equal(places[0].body?.side, "SELL");
      assert.equal(places[0].body?.qty, "0.0150");
      assert.equal(places[0].body?.reduceOnly, true);
      assert.equal(places[0].body?.orderType, "MARKET");
      assert.match(String(places[0].clientId), /^laflat-btcusdt-[0-9a-z]+$/);
      assert.equal(fake.state.positions.length, 0);
      assert.ok(fake.state.orders.every((o) => o.status !== "NEW"));
      assert.ok(!out.join("\n").includes(fake.apiSecret));
    });

    await t.step("a retry in the same minute does not close twice", async () => {
      await openLong();
      const { code, out } = await run([]);
      assert.equal(code, 1);
      assert.match(
        out[1],
        /^Cancelled 0 orders; close order laflat-btcusdt-\S+ for LONG 0\.015 BTCUSDT was already sent this minute; position still LONG 0\.015 BTCUSDT$/,
      );
      assert.equal(fake.state.positions.length, 1);
      assert.equal(flattenClientId("BTCUSDT", base), flattenClientId("BTCUSDT", base + 58_000));
      assert.notEqual(flattenClientId("BTCUSDT", base), flattenClientId("BTCUSDT", base + 60_000));
      fake.state.positions = [];
    });

    await t.step("live and already flat: nothing to close, exit 0", async () => {
      const { code, out } = await run(["--symbol", "BTCUSDT"]);
      assert.equal(code, 0);
      assert.equal(out[1], "Cancelled 0 orders; no BTCUSDT position to close; position now flat");
    });

    await t.step("an exchange error is reported, exit 1, switch still tripped", async () => {
      await Deno.writeTextFile(ks, "FALSE\n");
      fake.inject.errorCode(10007, "Signature Error", 5);
      const { code, out } = await run([]);
      assert.equal(code, 1);
      assert.match(out.at(-1)!, /^Flatten failed: .*10007.*The kill switch stays tripped/);
      assert.equal((await Deno.readTextFile(ks)).trim(), "TRUE");
      fake.inject.clear();
    });

    await t.step("missing keys: InputError after the switch is tripped", async () => {
      await Deno.writeTextFile(ks, "FALSE\n");
      await assert.rejects(
        () => run([], (k) => (k === "BITUNIX_BASE_URL" ? fake.baseUrl : undefined)),
        (e: unknown) => {
          assert.ok(isInputError(e));
          assert.match((e as Error).message, /BITUNIX_API_KEY and BITUNIX_API_SECRET/);
          return true;
        },
      );
      assert.equal((await Deno.readTextFile(ks)).trim(), "TRUE");
    });

    await t.step("paper: trips the switch and reports the state honestly", async () => {
      await Deno.writeTextFile(ks, "FALSE\n");
      const before = fake.requests.length;
      const missing = await run(["--execution-mode", "paper", "--state", `${dir}/nope.json`]);
      assert.equal(missing.code, 0);
      assert.equal(missing.out[1], `No paper state at ${dir}/nope.json: nothing to flatten.`);
      assert.equal((await Deno.readTextFile(ks)).trim(), "TRUE");
      const state = `${dir}/state.json`;
      savePaperState(state, {
        version: 1,
        sessionKey: "paper|BTCUSDT|1m|ema-cross",
        savedAt: Date.UTC(2025, 0, 1, 12),
        lastCandleTs: null,
        cash: 10_012.5,
        position: {
          side: "long",
          qty: 0.01,
          entryTs: Date.UTC(2025, 0, 1, 11),
          entryPrice: 42_000,
          stopPrice: 41_874,
          tpPrice: 42_189,
          entryFee: 0.25,
        },
        trades: [],
        sim: { position: null, pending: [], knownClientIds: [], fills: [], nextOrderId: 1 },
      });
      const present = await run(["--execution-mode", "paper", "--state", state]);
      assert.equal(present.code, 0);
      assert.equal(
        present.out[1],
        `Paper state at ${state} (equity 10012.50, 0 trades, position long, saved ` +
          "2025-01-01T12:00:00.000Z): kill switch tripped, so the paper session places no new " +
          "entries; an open paper LONG 0.01 position at 42000 (stop 41874, take-profit 42189) " +
          "keeps its stop and take-profit. Stop the session (Ctrl+C) to end it; nothing real " +
          "is at risk in paper mode.",
      );
      await Deno.writeTextFile(state, JSON.stringify({ position: { side: "long", qty: 0.01 } }));
      await assert.rejects(
        () => run(["--execution-mode", "paper", "--state", state]),
        /Invalid paper state .*state\.json: version: .*pass --fresh/,
      );
      await Deno.writeTextFile(state, "{broken");
      await assert.rejects(
        () => run(["--execution-mode", "paper", "--state", state]),
        /Invalid paper state .*state\.json: valid JSON/,
      );
      assert.equal(fake.requests.length, before, "paper never talks to the venue");
    });

    await t.step("bad flags are InputErrors before anything is written", async () => {
      await Deno.remove(ks);
      await assert.rejects(() => run(["--execution-mode", "real"]), /Invalid --execution-mode/);
      await assert.rejects(() => Deno.stat(ks), Deno.errors.NotFound);
    });
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
