import assert from "node:assert/strict";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("backtest --source bitunix downloads history once, then runs from the cache", async () => {
  const fake = startFakeBitunix();
  const dir = await Deno.makeTempDir();
  const run = async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        MAIN,
        "--mode",
        "backtest",
        "--source",
        "bitunix",
        "--symbol",
        "BTCUSDT",
        "--interval",
        "5m",
        "--backtest",
        "1000",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", BITUNIX_BASE_URL: fake.baseUrl, BITUNIX_WS_URL: fake.wsUrl },
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const bucket = () => Math.floor(Date.now() / 300_000);
  try {
    const startBucket = bucket();
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /1,000 candles \(bitunix \d+ requests\)/);
    const calls = fake.requestsTo("/market/kline").length;
    assert.ok(calls >= 5, `1000 bars need at least 5 calls of 200, got ${calls}`);
    const cfg = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/config.json`));
    assert.equal(cfg.source, "bitunix");
    assert.equal(cfg.candles, 1000);
    assert.equal(cfg.interval, "5m");

    const second = await run();
    assert.equal(second.code, 0, second.stderr);
    if (bucket() === startBucket) {
      assert.match(second.stdout, /\(bitunix cache\)/);
      assert.equal(
        fake.requestsTo("/market/kline").length,
        calls,
        "second run made kline requests",
      );
    } else {
      // a new 5m bar closed between the runs: only it may be fetched
      assert.ok(fake.requestsTo("/market/kline").length <= calls + 1);
    }
    if (bucket() === startBucket) {
      const hashes = [first, second].map((r) => r.stdout.match(/trades_hash (\w+)/)![1]);
      assert.equal(hashes[0], hashes[1]);
    }
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a venue that cannot be reached: one line naming the connection and BITUNIX_BASE_URL", async () => {
  const dir = await Deno.makeTempDir();
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close(); // nothing listens there now
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, "--mode", "backtest", "--source", "bitunix"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", BITUNIX_BASE_URL: `http://127.0.0.1:${port}` },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.match(
      lines[0],
      /^Error: Bitunix klines failed after \d+ attempts: network error.*; the venue could not be reached: check the internet connection, and BITUNIX_BASE_URL if it is set \(default https:\/\/fapi\.bitunix\.com\)$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
