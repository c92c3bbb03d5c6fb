import assert from "node:assert/strict";
import { createKillCommand } from "../../src/app/supervise/kill.ts";
import { readKillSwitch } from "../../src/ops/kill_switch.ts";

Deno.test("kill command", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config/KILL_SWITCH.txt`;
  const pidFile = `${dir}/logs/agent.pid`;
  const lines: string[] = [];
  const alive = new Set<number>();
  const cmd = createKillCommand({ out: (l) => lines.push(l), isAlive: (pid) => alive.has(pid) });
  const run = async (...extra: string[]) => {
    lines.length = 0;
    return await cmd.run(["--kill-switch", path, "--pid-file", pidFile, ...extra]);
  };
  try {
    await t.step("trips the kill switch and says what it did", async () => {
      assert.equal(await run(), 0);
      assert.equal((await Deno.readTextFile(path)).trim(), "TRUE");
      assert.equal((await readKillSwitch(path)).tripped, true);
      assert.match(lines[0], /^KILL SWITCH TRIPPED: wrote TRUE to .*KILL_SWITCH\.txt \(was off\)/);
    });
    await t.step("warns when no agent of this home runs", () => {
      assert.equal(
        lines[1],
        `Warning: no running agent found under ${Deno.cwd()} (${pidFile}); an agent started ` +
          "from another folder will not see this file.",
      );
    });
    await t.step("tripping again reports it was already tripped", async () => {
      assert.equal(await run(), 0);
      assert.match(lines[0], /already tripped/);
    });
    await t.step("--reset writes FALSE", async () => {
      assert.equal(await run("--reset"), 0);
      assert.equal((await readKillSwitch(path)).tripped, false);
      assert.match(lines[0], /^Kill switch reset: wrote FALSE/);
      assert.match(lines[1], /^Warning: no running agent found/);
    });
    await t.step("no warning while the agent of the pid file is alive", async () => {
      await Deno.mkdir(`${dir}/logs`, { recursive: true });
      await Deno.writeTextFile(pidFile, "4321\n");
      alive.add(4321);
      assert.equal(await run(), 0);
      assert.equal(lines.length, 1, lines.join("\n"));
      alive.clear(); // stale pid file: warned again
      assert.equal(await run(), 0);
      assert.match(lines[1], /^Warning: no running agent found/);
    });
    await t.step("help text shows usage", async () => {
      assert.match(await cmd.help(), /Usage: laptop-agents \[--home DIR\] kill/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
