import assert from "node:assert/strict";
import { createKillCommand } from "../../src/app/kill.ts";
import { readKillSwitch } from "../../src/ops/kill_switch.ts";

Deno.test("kill command", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config/KILL_SWITCH.txt`;
  const lines: string[] = [];
  const cmd = createKillCommand({ out: (l) => lines.push(l) });
  try {
    await t.step("trips the kill switch and says what it did", async () => {
      assert.equal(await cmd.run(["--kill-switch", path]), 0);
      assert.equal((await Deno.readTextFile(path)).trim(), "TRUE");
      assert.equal((await readKillSwitch(path)).tripped, true);
      assert.match(lines[0], /^KILL SWITCH TRIPPED: wrote TRUE to .*KILL_SWITCH\.txt \(was off\)/);
    });
    await t.step("tripping again reports it was already tripped", async () => {
      assert.equal(await cmd.run(["--kill-switch", path]), 0);
      assert.match(lines[1], /already tripped/);
    });
    await t.step("--reset writes FALSE", async () => {
      assert.equal(await cmd.run(["--kill-switch", path, "--reset"]), 0);
      assert.equal((await readKillSwitch(path)).tripped, false);
      assert.match(lines[2], /^Kill switch reset: wrote FALSE/);
    });
    await t.step("help text shows usage", () => {
      assert.match(cmd.help(), /Usage: laptop-agents kill/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
