import assert from "node:assert/strict";
import { confirmLiveTrading, NO_TERMINAL_REASON } from "../../src/app/session/live_confirm.ts";

const SUMMARY = "LIVE on Bitunix: BTCUSDT, max position 200000 USD, max leverage 5x";

function harness(answer: string | null) {
  const asked: string[] = [];
  const printed: string[] = [];
  return {
    asked,
    printed,
    prompt: (q: string) => {
      asked.push(q);
      return Promise.resolve(answer);
    },
    out: (l: string) => printed.push(l),
  };
}

Deno.test("live confirmation", async (t) => {
  await t.step("SKIP_LIVE_CONFIRM=TRUE (any case) confirms without asking", async () => {
    for (const v of ["TRUE", "true", " True "]) {
      const h = harness("no");
      const r = await confirmLiveTrading({
        env: { SKIP_LIVE_CONFIRM: v },
        isTerminal: false,
        prompt: h.prompt,
        summary: SUMMARY,
        out: h.out,
      });
      assert.equal(r.ok, true, v);
      assert.equal(h.asked.length, 0);
      assert.equal(h.printed.length, 0);
    }
  });

  await t.step("no terminal and no override refuses without asking", async () => {
    for (const env of [{}, { SKIP_LIVE_CONFIRM: "1" }, { SKIP_LIVE_CONFIRM: "yes" }]) {
      const h = harness("LIVE");
      const r = await confirmLiveTrading({
        env,
        isTerminal: false,
        prompt: h.prompt,
        summary: SUMMARY,
        out: h.out,
      });
      assert.deepEqual(r, { ok: false, reason: NO_TERMINAL_REASON });
      assert.equal(h.asked.length, 0);
    }
    assert.equal(
      NO_TERMINAL_REASON,
      "Live trading needs confirmation: run in a terminal and type LIVE, or set SKIP_LIVE_CONFIRM=TRUE",
    );
  });

  await t.step("in a terminal the summary is shown and LIVE confirms", async () => {
    for (const typed of ["LIVE", "LIVE\n", "  LIVE "]) {
      const h = harness(typed);
      const r = await confirmLiveTrading({
        env: { SKIP_LIVE_CONFIRM: "FALSE" },
        isTerminal: true,
        prompt: h.prompt,
        summary: SUMMARY,
        out: h.out,
      });
      assert.equal(r.ok, true);
      assert.deepEqual(h.printed, [SUMMARY]);
      assert.equal(h.asked.length, 1);
      assert.match(h.asked[0], /Type LIVE/);
    }
  });

  await t.step("anything else refuses", async () => {
    for (const typed of ["live", "yes", "", "LIVE!", "L I V E", null]) {
      const h = harness(typed);
      const r = await confirmLiveTrading({
        env: {},
        isTerminal: true,
        prompt: h.prompt,
        summary: SUMMARY,
        out: h.out,
      });
      assert.equal(r.ok, false, String(typed));
      assert.match(r.reason, /^Live trading not confirmed: expected LIVE, got /);
      assert.deepEqual(h.printed, [SUMMARY]);
    }
  });
});
