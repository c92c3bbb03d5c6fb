import assert from "node:assert/strict";
import { startFastMarket } from "../fakes/fast_market.ts";
import { LIVE_CLI_ARGS, readJsonl, runCli, tempWorkspace } from "./_session_helpers.ts";

Deno.test("live sessions size from the exchange account, never from a default", async (t) => {
  const ws = await tempWorkspace();
  const market = startFastMarket();
  const fake = market.fake;
  const env = { ...market.env, SKIP_LIVE_CONFIRM: "TRUE" };
  try {
    await t.step("a 1,000 USDT account is sized as 1,000, not the 10,000 default", async () => {
      fake.state.available = 1_000;
      const r = await runCli([...LIVE_CLI_ARGS], { cwd: ws.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /equity +1000\.00 USDT in the account; sizing from 1000\.00/);
      const placed = readJsonl(`${ws.dir}/logs/system.jsonl`).filter((e) =>
        e.event === "order.placed" && e.intent === "entry"
      );
      assert.ok(placed.length > 0, "an entry was placed");
      // max leverage 1: an entry's cap is the equity it was sized at, which started from the
      // real 1,000 (not the 10,000 default) and moves only with this session's own pnl
      const marked = (await Deno.readTextFile(`${ws.dir}/runs/latest/equity.csv`)).trim()
        .split("\n").slice(1).map((line) => Number(line.split(",")[1]));
      const most = Math.max(1_000, ...marked);
      assert.ok(most < 1_100, `equity stayed near the account's 1,000 (at most ${most})`);
      for (const o of placed) {
        assert.ok(o.qty * o.refPrice <= most * (1 + 1e-9), `entry notional ${o.qty * o.refPrice}`);
      }
      for (const f of fake.state.trades.filter((t) => !t.reduceOnly)) {
        // and it holds at the fill price
        assert.ok(f.qty * f.price <= most * (1 + 1e-9), `filled notional ${f.qty * f.price}`);
      }
    });
    await t.step("a hedge-mode account refuses to start and sends nothing", async () => {
      fake.state.positionMode = "HEDGE";
      const before = fake.requestsTo("/trade/place_order").length;
      const r = await runCli([...LIVE_CLI_ARGS], { cwd: ws.dir, env });
      fake.state.positionMode = "ONE_WAY";
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Refusing to trade: the Bitunix account is in HEDGE position mode/);
      assert.equal(fake.requestsTo("/trade/place_order").length, before);
    });
    await t.step("an empty account refuses to start and sends nothing", async () => {
      fake.state.available = 0;
      const before = fake.requestsTo("/trade/place_order").length;
      const r = await runCli([...LIVE_CLI_ARGS], { cwd: ws.dir, env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Refusing to trade: the USDT futures account holds no equity/);
      assert.equal(fake.requestsTo("/trade/place_order").length, before);
    });
  } finally {
    await market.close();
    await ws.cleanup();
  }
});
