import assert from "node:assert/strict";
import type { EventSink, LogLevel } from "../../src/core/events.ts";
import {
  type FsWatch,
  isTrippedContent,
  KillSwitchWatcher,
  readKillSwitch,
  readKillSwitchSync,
  resetKillSwitch,
  tripKillSwitch,
} from "../../src/ops/kill_switch.ts";

interface Emitted {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

function memorySink(): EventSink & { events: Emitted[] } {
  const events: Emitted[] = [];
  return {
    events,
    emit(level, _component, event, fields = {}) {
      events.push({ level, event, fields });
    },
  };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

Deno.test("kill switch file reading", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/KILL_SWITCH.txt`;
  try {
    const cases: [string, boolean][] = [
      ["TRUE", true],
      ["true", true],
      [" TRUE \n", true],
      ["True\r\n", true],
      ["FALSE", false],
      ["", false],
      ["TRUE-ish", false],
      ["yes", false],
    ];
    for (const [content, tripped] of cases) {
      await t.step(`content ${JSON.stringify(content)} -> tripped=${tripped}`, async () => {
        await Deno.writeTextFile(path, content);
        assert.equal((await readKillSwitch(path)).tripped, tripped);
        assert.equal(readKillSwitchSync(path).tripped, tripped);
        assert.equal(isTrippedContent(content), tripped);
      });
    }
    await t.step("missing file is not tripped", async () => {
      await Deno.remove(path);
      assert.deepEqual(await readKillSwitch(path), { tripped: false, reason: "missing" });
      assert.deepEqual(readKillSwitchSync(path), { tripped: false, reason: "missing" });
    });
    await t.step("unreadable (a folder in its place) fails closed", async () => {
      await Deno.mkdir(path);
      const a = await readKillSwitch(path);
      const b = readKillSwitchSync(path);
      assert.equal(a.tripped, true);
      assert.equal(a.reason, "unreadable");
      assert.equal(b.tripped, true);
      await Deno.remove(path);
    });
    await t.step({
      name: "unreadable (no read permission) fails closed",
      ignore: Deno.build.os === "windows" || Deno.uid() === 0,
      fn: async () => {
        await Deno.writeTextFile(path, "FALSE");
        await Deno.chmod(path, 0o000);
        assert.equal((await readKillSwitch(path)).reason, "unreadable");
        assert.equal(readKillSwitchSync(path).tripped, true);
        await Deno.chmod(path, 0o600);
        await Deno.remove(path);
      },
    });
    await t.step("trip writes TRUE, reset writes FALSE, parent folder created", async () => {
      const nested = `${dir}/config/KILL_SWITCH.txt`;
      tripKillSwitch(nested);
      assert.equal((await Deno.readTextFile(nested)).trim(), "TRUE");
      assert.equal(readKillSwitchSync(nested).tripped, true);
      resetKillSwitch(nested);
      assert.equal((await Deno.readTextFile(nested)).trim(), "FALSE");
      assert.equal(readKillSwitchSync(nested).tripped, false);
      const left = [...Deno.readDirSync(`${dir}/config`)].map((e) => e.name);
      assert.deepEqual(left, ["KILL_SWITCH.txt"], "no temp files left behind");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kill switch watcher", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/KILL_SWITCH.txt`;
  try {
    await t.step("fires within a second of TRUE and logs once per trip", async () => {
      await Deno.writeTextFile(path, "FALSE");
      const sink = memorySink();
      const trips: string[] = [];
      // Long poll period: the file system watcher must be what reacts.
      const w = new KillSwitchWatcher({
        path,
        sink,
        pollMs: 60_000,
        onTrip: (s) => trips.push(s.reason),
      });
      try {
        await w.check();
        assert.equal(w.tripped, false);
        assert.equal(trips.length, 0);
        await Deno.writeTextFile(path, "TRUE");
        const took = await waitFor(() => trips.length > 0, 1000);
        assert.ok(took < 1000);
        await Deno.writeTextFile(path, " true \n"); // still tripped: no second alert
        await new Promise((r) => setTimeout(r, 150));
        await w.check();
        assert.deepEqual(trips, ["true"]);
        const logged = sink.events.filter((e) => e.event === "killswitch.tripped");
        assert.equal(logged.length, 1);
        assert.equal(logged[0].fields.message, "KILL SWITCH DETECTED!");
        assert.equal(logged[0].level, "error");
        // reset then trip again = a second trip
        resetKillSwitch(path);
        await waitFor(() => !w.tripped, 1000);
        tripKillSwitch(path);
        await waitFor(() => trips.length === 2, 1000);
        assert.equal(sink.events.filter((e) => e.event === "killswitch.tripped").length, 2);
      } finally {
        await w.close();
      }
    });

    await t.step("poll backstop catches a change the watcher missed", async () => {
      await Deno.writeTextFile(path, "FALSE");
      // A watcher that never reports anything until closed.
      let release!: () => void;
      const stopped = new Promise<void>((r) => release = r);
      const quiet: FsWatch = {
        close: () => release(),
        // deno-lint-ignore require-yield
        async *[Symbol.asyncIterator]() {
          await stopped;
        },
      };
      const trips: string[] = [];
      const w = new KillSwitchWatcher({
        path,
        pollMs: 50,
        watch: () => quiet,
        onTrip: (s) => trips.push(s.reason),
      });
      try {
        await Deno.writeTextFile(path, "TRUE");
        await waitFor(() => trips.length === 1, 1000);
        assert.equal(w.tripped, true);
      } finally {
        await w.close();
      }
    });

    await t.step("a watcher error counts as tripped (fail closed)", async () => {
      await Deno.writeTextFile(path, "FALSE");
      const broken: FsWatch = {
        close() {},
        // deno-lint-ignore require-yield
        async *[Symbol.asyncIterator]() {
          throw new Error("inotify limit reached");
        },
      };
      const sink = memorySink();
      const trips: string[] = [];
      const w = new KillSwitchWatcher({
        path,
        sink,
        pollMs: 50,
        watch: () => broken,
        onTrip: (s) => trips.push(s.reason),
      });
      try {
        await waitFor(() => trips.length === 1, 1000);
        assert.deepEqual(trips, ["watcher-error"]);
        await new Promise((r) => setTimeout(r, 150)); // polls keep seeing FALSE
        assert.equal(w.tripped, true, "stays tripped although the file says FALSE");
        assert.equal(trips.length, 1);
        assert.match(String(sink.events[0].fields.error), /inotify/);
      } finally {
        await w.close();
      }
    });

    await t.step("a watcher that cannot start counts as tripped", async () => {
      const trips: string[] = [];
      const w = new KillSwitchWatcher({
        path,
        pollMs: 50,
        watch: () => {
          throw new Error("no watcher");
        },
        onTrip: (s) => trips.push(s.reason),
      });
      await w.close();
      assert.deepEqual(trips, ["watcher-error"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
