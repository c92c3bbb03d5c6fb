import assert from "node:assert/strict";
import {
  acquirePidFile,
  isProcessAlive,
  PidFileBusyError,
  readPidFile,
} from "../../src/ops/pid_file.ts";

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", ""],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("pid file", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/logs/agent.pid`;
  try {
    await t.step("liveness probe", async () => {
      assert.equal(isProcessAlive(Deno.pid), true);
      assert.equal(isProcessAlive(await deadPid()), false);
      assert.equal(isProcessAlive(-1), false);
    });

    await t.step(
      "liveness probe works with the tasks' explicit permissions (no --allow-all)",
      async () => {
        const fixture = new URL("../fixtures/probe_alive.ts", import.meta.url).pathname;
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-read",
            "--allow-write",
            "--allow-env",
            "--allow-run",
            "--allow-sys",
            fixture,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        assert.deepEqual(JSON.parse(text), { self: true, dead: false });
      },
    );

    await t.step("acquire writes our pid; release removes the file", () => {
      const lock = acquirePidFile(path, { removeOnUnload: false });
      assert.deepEqual(readPidFile(path), { status: "ok", pid: Deno.pid });
      lock.release();
      assert.deepEqual(readPidFile(path), { status: "missing" });
      lock.release(); // twice is fine
    });

    await t.step("refuses while the process in the file is alive", () => {
      const other = acquirePidFile(path, { pid: 999_999, removeOnUnload: false });
      try {
        assert.throws(
          () => acquirePidFile(path, { isAlive: () => true, removeOnUnload: false }),
          (e: unknown) =>
            e instanceof PidFileBusyError && e.pid === 999_999 &&
            /Cannot start: .*agent\.pid says process 999999 is running/.test(e.message),
        );
        assert.deepEqual(readPidFile(path), { status: "ok", pid: 999_999 }, "file untouched");
      } finally {
        other.release();
      }
    });

    await t.step("refuses for a real live process (default probe)", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", "setTimeout(() => {}, 10000)"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        await Deno.writeTextFile(path, `${child.pid}\n`);
        assert.throws(() => acquirePidFile(path, { removeOnUnload: false }), PidFileBusyError);
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await Deno.remove(path);
      }
    });

    await t.step("replaces a stale pid file (real dead process)", async () => {
      await Deno.writeTextFile(path, `${await deadPid()}\n`);
      const lock = acquirePidFile(path, { removeOnUnload: false });
      assert.deepEqual(readPidFile(path), { status: "ok", pid: Deno.pid });
      lock.release();
    });

    await t.step("replaces a corrupt pid file", async () => {
      await Deno.writeTextFile(path, "garbage");
      assert.equal(readPidFile(path).status, "corrupt");
      const lock = acquirePidFile(path, { removeOnUnload: false });
      assert.deepEqual(readPidFile(path), { status: "ok", pid: Deno.pid });
      lock.release();
    });

    await t.step("release leaves a file that another process took over", async () => {
      const lock = acquirePidFile(path, { removeOnUnload: false });
      await Deno.writeTextFile(path, "12345\n");
      lock.release();
      assert.deepEqual(readPidFile(path), { status: "ok", pid: 12345 });
      await Deno.remove(path);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
