import assert from "node:assert/strict";
import { relative } from "node:path";
import type { EventSink, LogLevel } from "../../src/core/events.ts";
import {
  absoluteKillSwitchPath,
  decodeKillSwitchBytes,
  type FsWatch,
  isTrippedContent,
  type KillSwitchReason,
  type KillSwitchState,
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

const enc = new TextEncoder();
const utf16le = (text: string) => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) & 0xff;
    out[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
};
const utf16be = (text: string) => {
  const le = utf16le(text);
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
};
const bytes = (...parts: (Uint8Array | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => [...p]));
const BOM8 = [0xef, 0xbb, 0xbf];
const BOM16LE = [0xff, 0xfe];
const BOM16BE = [0xfe, 0xff];

/** [what, file bytes, expected reason, expected `content`]; "false" is the only "off". */
const CONTENT_CASES: [string, Uint8Array, KillSwitchReason, string][] = [
  ["TRUE", enc.encode("TRUE"), "true", "TRUE"],
  ["true", enc.encode("true"), "true", "true"],
  [" TRUE \\n", enc.encode(" TRUE \n"), "true", " TRUE \\n"],
  ["True\\r\\n", enc.encode("True\r\n"), "true", "True\\r\\n"],
  ["1", enc.encode("1"), "not-false", "1"],
  ["yes", enc.encode("yes"), "not-false", "yes"],
  ["TRUE # ops", enc.encode("TRUE # ops"), "not-false", "TRUE # ops"],
  ["FALSE # x", enc.encode("FALSE # x"), "not-false", "FALSE # x"],
  ["TRUE-ish", enc.encode("TRUE-ish"), "not-false", "TRUE-ish"],
  ["empty file", new Uint8Array(0), "not-false", ""],
  ["only whitespace", enc.encode(" \n"), "not-false", " \\n"],
  ["garbage", enc.encode("#!@ kill?"), "not-false", "#!@ kill?"],
  [
    "binary",
    Uint8Array.from([0x00, 0xff, 0x13, 0x80, 0x07]),
    "not-false",
    "\\u0000\ufffd\\u0013\ufffd\\u0007",
  ],
  [
    "UTF-16LE BOM + TRUE\\r\\n (PowerShell 5)",
    bytes(BOM16LE, utf16le("TRUE\r\n")),
    "true",
    "TRUE\\r\\n",
  ],
  ["UTF-16BE BOM + TRUE", bytes(BOM16BE, utf16be("TRUE")), "true", "TRUE"],
  ["UTF-16LE no BOM + TRUE", utf16le("TRUE\r\n"), "true", "TRUE\\r\\n"],
  ["UTF-8 BOM + TRUE", bytes(BOM8, enc.encode("TRUE\n")), "true", "TRUE\\n"],
  ["a look-alike (long s)", enc.encode("FAL\u017fE"), "not-false", "FAL\u017fE"],
  ["FALSE", enc.encode("FALSE"), "false", "FALSE"],
  ["false", enc.encode("false"), "false", "false"],
  [" False \\r\\n", enc.encode(" False \r\n"), "false", " False \\r\\n"],
  ["UTF-8 BOM + FALSE", bytes(BOM8, enc.encode("FALSE\r\n")), "false", "FALSE\\r\\n"],
  ["UTF-16LE BOM + FALSE\\r\\n", bytes(BOM16LE, utf16le("FALSE\r\n")), "false", "FALSE\\r\\n"],
  ["UTF-16BE BOM + FALSE", bytes(BOM16BE, utf16be("FALSE\n")), "false", "FALSE\\n"],
  ["UTF-16LE no BOM + FALSE", utf16le("FALSE\r\n"), "false", "FALSE\\r\\n"],
  ["UTF-16BE no BOM + FALSE", utf16be("FALSE"), "false", "FALSE"],
];

Deno.test("kill switch file reading", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/KILL_SWITCH.txt`;
  try {
    for (const [what, data, reason, content] of CONTENT_CASES) {
      const tripped = reason !== "false";
      await t.step(`${what} -> ${tripped ? "tripped" : "off"} (${reason})`, async () => {
        await Deno.writeFile(path, data);
        for (const state of [await readKillSwitch(path), readKillSwitchSync(path)]) {
          assert.deepEqual(state, { tripped, reason, content });
        }
        assert.equal(isTrippedContent(decodeKillSwitchBytes(data)), tripped);
      });
    }
    await t.step("content is cut to 60 characters", async () => {
      await Deno.writeTextFile(path, `TRUE ${"x".repeat(200)}`);
      const state = readKillSwitchSync(path);
      assert.equal(state.tripped, true);
      assert.equal(state.content, `TRUE ${"x".repeat(55)}…`);
    });
    await t.step("a huge file trips without being read", async () => {
      await Deno.writeFile(path, new Uint8Array(200_000));
      const state = await readKillSwitch(path);
      assert.equal(state.tripped, true);
      assert.equal(state.reason, "not-false");
      assert.match(state.content ?? "", /200000 bytes/);
    });
    await t.step("absoluteKillSwitchPath resolves against the working directory", () => {
      assert.equal(absoluteKillSwitchPath(), `${Deno.cwd()}/config/KILL_SWITCH.txt`);
      assert.equal(absoluteKillSwitchPath("x/../ks.txt"), `${Deno.cwd()}/ks.txt`);
      assert.equal(absoluteKillSwitchPath(path), path);
    });
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
      const resets: string[] = [];
      // Long poll period: the file system watcher must be what reacts.
      const w = new KillSwitchWatcher({
        path,
        sink,
        pollMs: 60_000,
        onTrip: (s) => trips.push(s.reason),
        onReset: (s) => resets.push(s.reason),
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
        assert.deepEqual(resets, [], "an off switch is not reset");
        // reset then trip again = a second trip; the reset is told once
        resetKillSwitch(path);
        await waitFor(() => !w.tripped, 1000);
        assert.deepEqual(resets, ["false"]);
        const reset = sink.events.filter((e) => e.event === "killswitch.reset");
        assert.equal(reset.length, 1);
        assert.equal(reset[0].fields.path, path);
        await w.check();
        assert.equal(sink.events.filter((e) => e.event === "killswitch.reset").length, 1);
        tripKillSwitch(path);
        await waitFor(() => trips.length === 2, 1000);
        assert.equal(sink.events.filter((e) => e.event === "killswitch.tripped").length, 2);
      } finally {
        await w.close();
      }
    });

    await t.step(
      "PowerShell's UTF-16 TRUE trips; the event has the absolute path and what was read",
      async () => {
        await Deno.writeTextFile(path, "FALSE");
        const sink = memorySink();
        const trips: KillSwitchState[] = [];
        const w = new KillSwitchWatcher({
          path: relative(Deno.cwd(), path), // relative to the working directory
          sink,
          pollMs: 50,
          onTrip: (s) => trips.push(s),
        });
        try {
          await w.check();
          assert.equal(w.tripped, false);
          // written whole (an editor's save): a half-written file would trip on its own
          await Deno.writeFile(`${path}.tmp`, bytes(BOM16LE, utf16le("TRUE\r\n")));
          await Deno.rename(`${path}.tmp`, path);
          await waitFor(() => trips.length > 0, 1000);
          assert.deepEqual(trips[0], { tripped: true, reason: "true", content: "TRUE\\r\\n" });
          const logged = sink.events.filter((e) => e.event === "killswitch.tripped");
          assert.equal(logged.length, 1);
          assert.equal(logged[0].fields.message, "KILL SWITCH DETECTED!");
          assert.equal(logged[0].fields.path, path);
          assert.equal(logged[0].fields.content, "TRUE\\r\\n");
          assert.equal(logged[0].fields.reason, "true");
        } finally {
          await w.close();
        }
      },
    );

    await t.step("anything but FALSE trips, and is logged with what was read", async () => {
      await Deno.writeTextFile(path, "FALSE\n");
      const sink = memorySink();
      const w = new KillSwitchWatcher({ path, sink, pollMs: 50, onTrip: () => {} });
      try {
        await w.check();
        assert.equal(w.tripped, false);
        // written whole: a watcher reading between truncate and write would see it empty
        await Deno.writeTextFile(`${path}.tmp`, "yes");
        await Deno.rename(`${path}.tmp`, path);
        await waitFor(() => w.tripped, 1000);
        const logged = sink.events.filter((e) => e.event === "killswitch.tripped");
        assert.equal(logged.length, 1);
        assert.equal(logged[0].fields.reason, "not-false");
        assert.equal(logged[0].fields.content, "yes");
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
