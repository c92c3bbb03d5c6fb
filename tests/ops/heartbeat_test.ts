import assert from "node:assert/strict";
import {
  heartbeatAge,
  HeartbeatWriter,
  parseHeartbeat,
  readHeartbeat,
} from "../../src/ops/heartbeat.ts";
import type { HeartbeatState } from "../../src/ops/heartbeat.ts";
import { heartbeatLiveness } from "../../src/core/heartbeat.ts";

const STATE: HeartbeatState = {
  runId: "run-1",
  mode: "live-session",
  executionMode: "paper",
  symbol: "BTCUSDT",
  lastCandleTs: 1_700_000_000_000,
  position: { side: "long", qty: 0.01, entryPrice: 65_000 },
  equity: 10_000,
  riskState: "active",
};

Deno.test("heartbeat", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/logs/heartbeat.json`;
  try {
    await t.step("write/read round trip with injected clock and pid", async () => {
      let now = 1_000;
      const w = new HeartbeatWriter({ path, intervalMs: 0, now: () => now, pid: 42 });
      try {
        w.beat(STATE);
        const read = await readHeartbeat(path);
        assert.equal(read.status, "ok");
        assert.deepEqual(read.status === "ok" && read.heartbeat, { ...STATE, ts: 1_000, pid: 42 });
        now = 2_500;
        w.beat({ ...STATE, position: null, equity: 9_990 });
        const again = await readHeartbeat(path);
        assert.ok(again.status === "ok");
        assert.equal(again.heartbeat.ts, 2_500);
        assert.equal(again.heartbeat.position, null);
        assert.deepEqual([...Deno.readDirSync(`${dir}/logs`)].map((e) => e.name), [
          "heartbeat.json",
        ]);
      } finally {
        w.close();
      }
    });

    await t.step("interval rewrites the last state with a fresh timestamp", async () => {
      let now = 10_000;
      const w = new HeartbeatWriter({ path, intervalMs: 20, now: () => now });
      try {
        w.beat(STATE);
        now = 11_000;
        await new Promise((r) => setTimeout(r, 80));
        const read = await readHeartbeat(path);
        assert.ok(read.status === "ok");
        assert.equal(read.heartbeat.ts, 11_000);
        assert.equal(read.heartbeat.pid, Deno.pid);
      } finally {
        w.close();
      }
    });

    await t.step(
      "close with a stop writes the last state marked stopped, then nothing",
      async () => {
        let now = 20_000;
        const w = new HeartbeatWriter({ path, intervalMs: 0, now: () => now, pid: 7 });
        w.beat(STATE);
        now = 21_000;
        w.close({ reason: "duration", clean: true });
        const read = await readHeartbeat(path);
        assert.ok(read.status === "ok");
        assert.deepEqual(read.heartbeat, {
          ...STATE,
          ts: 21_000,
          pid: 7,
          stopped: { reason: "duration", clean: true, at: 21_000 },
        });
        now = 22_000;
        w.beat(STATE);
        w.close({ reason: "error", clean: false });
        const after = await readHeartbeat(path);
        assert.ok(after.status === "ok");
        assert.equal(after.heartbeat.ts, 21_000, "nothing written after close");
        assert.equal(after.heartbeat.stopped?.reason, "duration");
      },
    );

    await t.step("liveness: running, stale, stopped", () => {
      const hb = { ts: 1_000 };
      assert.deepEqual(heartbeatLiveness(hb, 3_000, 5_000), { state: "running", ageMs: 2_000 });
      assert.deepEqual(heartbeatLiveness(hb, 9_000, 5_000), { state: "stale", ageMs: 8_000 });
      const stop = { at: 1_000, reason: "signal", clean: true };
      assert.deepEqual(heartbeatLiveness({ ...hb, stopped: stop }, 99_000, 5_000), {
        state: "stopped",
        ageMs: 98_000,
        stop,
      });
    });

    await t.step("age and staleness", () => {
      assert.equal(heartbeatAge({ ts: 1_000 }, 7_000), 6_000);
      assert.equal(heartbeatAge({ ts: 9_000 }, 7_000), 0, "clock skew never gives negative age");
    });

    await t.step("missing and corrupt files are reported, not thrown", async () => {
      const missing = await readHeartbeat(`${dir}/nope.json`);
      assert.equal(missing.status, "missing");
      await Deno.writeTextFile(`${dir}/bad.json`, "{not json");
      const bad = await readHeartbeat(`${dir}/bad.json`);
      assert.equal(bad.status, "corrupt");
      assert.match(bad.status === "corrupt" ? bad.message : "", /not valid JSON/);
      const wrong = parseHeartbeat(JSON.stringify({ ...STATE, ts: 1, pid: 1, equity: "lots" }));
      assert.equal(wrong.status, "corrupt");
      assert.match(wrong.status === "corrupt" ? wrong.message : "", /equity/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
