import assert from "node:assert/strict";
import {
  discardPrestartedWorker,
  namesCsv,
  prestartBacktestWorker,
  prestartedWorkerFailed,
  takePrestartedWorker,
} from "../../src/app/backtest/worker_prestart.ts";

Deno.test("a worker started early is handed over once", () => {
  prestartBacktestWorker();
  const w = takePrestartedWorker();
  assert.ok(w instanceof Worker);
  assert.equal(takePrestartedWorker(), null, "only once");
  w.terminate();
  discardPrestartedWorker(); // nothing left: no error
});

Deno.test("a worker started early that cannot load is not handed over, and does not take the process down", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad_worker.ts`;
    await Deno.writeTextFile(bad, 'throw new Error("cannot load");\n');
    prestartBacktestWorker(new URL(`file://${bad}`).href);
    // its error arrives on its own time: wait for it (unhandled, it would fail the test)
    for (let k = 0; k < 1000 && !prestartedWorkerFailed(); k++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(prestartedWorkerFailed(), true);
    assert.equal(takePrestartedWorker(), null);
  } finally {
    discardPrestartedWorker();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("only a run that names a CSV starts the worker early", () => {
  assert.equal(namesCsv(["--source", "csv", "--csv", "x.csv"]), true);
  assert.equal(namesCsv(["--csv=x.csv"]), true);
  assert.equal(namesCsv(["--source=csv"]), true);
  assert.equal(namesCsv(["--source", "mock", "--backtest", "5000"]), false);
  assert.equal(namesCsv(["--strategy", "csv"]), false);
});
