/**
 * `deno task stress`: a paper session under high load (see `_harness.ts`). Prints a
 * summary block ending in `STRESS: PASS` or `STRESS: FAIL`; exits 1 on failure.
 *
 * Flags: `--seconds` (default 20), `--rate` kline updates/s (default 5000), `--clients`
 * SSE clients (default 50), `--bucket-ms` wall ms per 1-minute candle (default 150),
 * `--heap-mb` bound on heapUsed growth after GC (default 150).
 *
 * Re-runs itself once with `--v8-flags=--expose-gc` so memory is measured after GC.
 */
import { numberFlag, parseFlags } from "../../src/config/argv.ts";
import { formatSummary, runStress, type StressOptions } from "./_harness.ts";

const FLAGS = {
  seconds: { schema: numberFlag({ min: 1, max: 120 }).default(20), help: "seconds of load" },
  rate: {
    schema: numberFlag({ int: true, min: 1, max: 100_000 }).default(5000),
    help: "kline updates per second",
  },
  clients: {
    schema: numberFlag({ int: true, min: 1, max: 500 }).default(50),
    help: "SSE clients",
  },
  "bucket-ms": {
    schema: numberFlag({ int: true, min: 20, max: 60_000 }).default(150),
    help: "wall ms per 1-minute candle",
  },
  "heap-mb": {
    schema: numberFlag({ min: 1, max: 100_000 }).default(150),
    help: "fail when heapUsed grows more than this (MB, after GC)",
  },
};

async function main(): Promise<number> {
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
  if (!hasGc && Deno.env.get("LA_STRESS_CHILD") !== "1") {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--v8-flags=--expose-gc",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net",
        "--allow-run",
        "--allow-sys",
        new URL(import.meta.url).pathname,
        ...Deno.args,
      ],
      env: { LA_STRESS_CHILD: "1" },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    return (await child.status).code;
  }
  const { flags } = parseFlags(Deno.args, FLAGS);
  const opts: StressOptions = {
    seconds: flags.seconds as number,
    rate: flags.rate as number,
    clients: flags.clients as number,
    bucketMs: flags["bucket-ms"] as number,
    heapBoundMb: flags["heap-mb"] as number,
    print: (l) => console.log(`stress: ${l}`),
  };
  console.log(
    `stress: ${opts.seconds} s at ${opts.rate} kline updates/s, ${opts.clients} SSE clients, ` +
      `a 1m candle every ${opts.bucketMs} ms`,
  );
  const wallStart = performance.now();
  const limitS = opts.seconds + 60;
  const guard = setTimeout(() => {
    console.log(`STRESS: FAIL (did not finish within ${limitS} s)`);
    Deno.exit(1);
  }, limitS * 1000);
  const result = await runStress(opts).finally(() => clearTimeout(guard));
  console.log(formatSummary(result, opts));
  console.log(`stress: wall time ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
  return result.failures.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.log(`STRESS: FAIL (${e instanceof Error ? e.message : String(e)})`);
    Deno.exit(1);
  }
}
