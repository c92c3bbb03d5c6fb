import assert from "node:assert/strict";
import {
  discardPrestartedWorker,
  namesCsv,
  prestartBacktestWorker,
  prestartedWorkerFailed,
  takePrestartedWorker,
} from "../../src/app/backtest/worker_prestart.ts";
import { BacktestWorker } from "../../src/app/backtest/backtest_worker_client.ts";
import { command } from "../../src/app/backtest/backtest.ts";

Deno.test("a worker started early is handed over once", () => {
  prestartBacktestWorker();
  const w = takePrestartedWorker();
  assert.ok(w instanceof Worker);
  assert.equal(takePrestartedWorker(), null, "only once");
  w.terminate();
  discardPrestartedWorker(); // nothing left: no error
});

/**
 * Starts a worker early from a module that throws as it loads, waits for its error (it
 * arrives on its own time; unhandled, it would fail the test), then runs `check`.
 */
async function withFailedEarlyWorker(check: () => void): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad_worker.ts`;
    await Deno.writeTextFile(bad, 'throw new Error("cannot load");\n');
    prestartBacktestWorker(new URL(`file://${bad}`).href);
    for (let k = 0; k < 1000 && !prestartedWorkerFailed(); k++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(prestartedWorkerFailed(), true);
    check();
  } finally {
    discardPrestartedWorker();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a worker started early that cannot load is not handed over, and does not take the process down", async () => {
  await withFailedEarlyWorker(() => {
    assert.equal(takePrestartedWorker(), "failed");
    assert.equal(takePrestartedWorker(), null, "and it is gone");
  });
});

Deno.test("only a run that names a CSV starts the worker early", () => {
  assert.equal(namesCsv(["--source", "csv", "--csv", "x.csv"]), true);
  assert.equal(namesCsv(["--csv=x.csv"]), true);
  assert.equal(namesCsv(["--source=csv"]), true);
  assert.equal(namesCsv(["--source", "mock", "--backtest", "5000"]), false);
  assert.equal(namesCsv(["--strategy", "csv"]), false);
});

Deno.test("the backtest does not start a second worker after the early one failed to load", async () => {
  await withFailedEarlyWorker(() => {
    assert.equal(BacktestWorker.start(), null, "the run goes on one core");
  });
});

Deno.test("a backtest that fails on its flags, or needs no worker, stops the one started early", async () => {
  prestartBacktestWorker();
  await assert.rejects(command.run(["--max-leverage", "50"]), /max-leverage/);
  assert.equal(takePrestartedWorker(), null, "not left running after bad flags");
  const dir = await Deno.makeTempDir();
  try {
    prestartBacktestWorker();
    const args = ["--source", "mock", "--backtest", "300", "--runs-dir", `${dir}/runs`];
    const code = await command.run([...args, "--logs-dir", `${dir}/logs`]);
    assert.equal(code, 0);
    assert.equal(takePrestartedWorker(), null, "not left running after a small run");
  } finally {
    discardPrestartedWorker();
    await Deno.remove(dir, { recursive: true });
  }
});
