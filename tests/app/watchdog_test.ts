import assert from "node:assert/strict";
import { createWatchdogCommand } from "../../src/app/supervise/watchdog.ts";
import { isInputError } from "../../src/core/errors.ts";
import { readPidFile } from "../../src/ops/pid_file.ts";
import { createSpawn, type SpawnFn } from "../../src/ops/supervisor_process.ts";
import { startFakeHook } from "../fakes/fake_notify.ts";
import { cleanEnv, withEnv } from "./_session_helpers.ts";

const FIXTURE = new URL("../fixtures/child_agent.ts", import.meta.url).pathname;
const SELF = () => [Deno.execPath(), "run", "--allow-read", "--allow-write", FIXTURE];

/** Children that exit with code 1 at once, pids 9001, 9002, ... */
function crashing(): SpawnFn {
  let started = 0;
  return () => ({
    pid: 9000 + ++started,
    status: Promise.resolve({ code: 1, signal: null }),
    kill() {},
  });
}

function flags(dir: string): string[] {
  return [
    "--restart-delay",
    "0.05",
    "--kill-grace",
    "0.2",
    "--heartbeat",
    `${dir}/heartbeat.json`,
    "--pid-file",
    `${dir}/watchdog.pid`,
    "--log",
    `${dir}/watchdog.log`,
    "--system-log",
    `${dir}/system.jsonl`,
  ];
}

Deno.test("watchdog command", async (t) => {
  const dir = await Deno.makeTempDir();
  const out: string[] = [];
  const base = {
    selfCommand: SELF,
    spawn: createSpawn({ stdio: "null" }),
    out: (l: string) => out.push(l),
    notifyEnv: () => ({}),
  };
  try {
    await t.step("crash, restart, clean exit: logs and pid file", async () => {
      const cmd = createWatchdogCommand({ ...base, onSignal: () => () => {} });
      const code = await cmd.run([
        ...flags(dir),
        "--",
        "--counter",
        `${dir}/count`,
        "--crashes",
        "1",
      ]);
      assert.equal(code, 0);
      assert.equal(await Deno.readTextFile(`${dir}/count`), "2");
      const log = (await Deno.readTextFile(`${dir}/watchdog.log`)).trim().split("\n");
      for (const line of log) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ /);
      assert.ok(log.some((l) => /child pid \d+ failed: exit with code 3/.test(l)));
      assert.ok(log.some((l) => /restarted child \(attempt 2/.test(l)));
      const events = (await Deno.readTextFile(`${dir}/system.jsonl`)).trim().split("\n")
        .map((l) => JSON.parse(l));
      const names = events.map((e) => e.event);
      assert.ok(names.includes("supervisor.started"));
      assert.ok(names.includes("supervisor.restarted"));
      assert.equal(events[0].component, "supervisor");
      assert.ok(events[0].command.includes("--counter"), "child args passed through");
      assert.deepEqual(readPidFile(`${dir}/watchdog.pid`), { status: "missing" });
    });

    await t.step("SIGTERM is forwarded; child writes its marker; exit 0", async () => {
      let deliver!: (s: "SIGINT" | "SIGTERM") => void;
      const cmd = createWatchdogCommand({
        ...base,
        onSignal: (h) => {
          deliver = h;
          return () => {};
        },
      });
      const marker = `${dir}/marker`;
      const hb = `${dir}/heartbeat.json`;
      await Deno.remove(hb).catch(() => {});
      const running = cmd.run([...flags(dir), "--", "--heartbeat", hb, "--marker", marker]);
      const start = Date.now();
      while (!(await Deno.stat(hb).then(() => true, () => false))) {
        if (Date.now() - start > 5000) throw new Error("child did not start");
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(readPidFile(`${dir}/watchdog.pid`), { status: "ok", pid: Deno.pid });
      deliver("SIGTERM");
      assert.equal(await running, 0);
      assert.equal(await Deno.readTextFile(marker), "SIGTERM");
    });

    await t.step("refuses to start while another watchdog holds the pid file", async () => {
      const other = new Deno.Command(Deno.execPath(), {
        args: ["eval", "setTimeout(() => {}, 10000)"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        await Deno.writeTextFile(`${dir}/watchdog.pid`, `${other.pid}\n`);
        out.length = 0;
        const cmd = createWatchdogCommand({ ...base, onSignal: () => () => {} });
        assert.equal(await cmd.run([...flags(dir), "--", "--exit", "0"]), 1);
        assert.match(out[0], /Cannot start: .*watchdog\.pid says process \d+ is running/);
      } finally {
        other.kill("SIGKILL");
        await other.status;
        await Deno.remove(`${dir}/watchdog.pid`);
      }
    });

    await t.step("input errors: no child args, bad numbers", async () => {
      const cmd = createWatchdogCommand({ ...base, onSignal: () => () => {} });
      await assert.rejects(() => cmd.run(flags(dir)), isInputError);
      await assert.rejects(
        () => cmd.run(["--max-restarts", "1.5", "--", "--exit", "0"]),
        isInputError,
      );
      await assert.rejects(() => cmd.run(["--restart-delay", "-1", "--", "x"]), isInputError);
    });

    await t.step("the channels in the environment are not used", async () => {
      const hook = startFakeHook();
      try {
        const cmd = createWatchdogCommand({
          ...base,
          spawn: crashing(),
          onSignal: () => () => {},
        });
        const code = await withEnv(
          { WEBHOOK_URL: `${hook.url}/env` },
          () => cmd.run([...flags(dir), "--max-restarts", "0", "--", "--exit", "1"]),
        );
        assert.equal(code, 1, "gave up");
        assert.deepEqual(hook.received, []);
      } finally {
        await hook.close();
      }
    });

    await t.step("--help", async () => {
      out.length = 0;
      const cmd = createWatchdogCommand({ ...base });
      assert.equal(await cmd.run(["--help"]), 0);
      assert.match(out[0], /watchdog \[flags\] -- <agent arguments>/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchdog process forwards a real SIGTERM to its child", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const main = new URL("../fixtures/watchdog_main.ts", import.meta.url).pathname;
    const hb = `${dir}/heartbeat.json`;
    const marker = `${dir}/marker`;
    const proc = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        main,
        ...flags(dir),
        "--",
        "--heartbeat",
        hb,
        "--marker",
        marker,
      ],
      // in the temp folder, without the developer's channels (no repo .env, no env)
      cwd: dir,
      env: cleanEnv(),
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const start = Date.now();
    while (!(await Deno.stat(hb).then(() => true, () => false))) {
      if (Date.now() - start > 10_000) {
        proc.kill("SIGKILL");
        await proc.status;
        throw new Error("child did not start");
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill("SIGTERM");
    const status = await proc.status;
    assert.equal(status.code, 0);
    assert.equal(await Deno.readTextFile(marker), "SIGTERM");
    assert.deepEqual(readPidFile(`${dir}/watchdog.pid`), { status: "missing" });
    const log = await Deno.readTextFile(`${dir}/watchdog.log`);
    assert.match(log, /received SIGTERM: forwarding it to child pid \d+/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchdog: restarts and the crash-loop give-up are told", async () => {
  const hook = startFakeHook();
  const dir = await Deno.makeTempDir();
  const cmd = createWatchdogCommand({
    selfCommand: () => ["agent"],
    spawn: crashing(),
    onSignal: () => () => {},
    out: () => {},
    notifyEnv: () => ({ discordWebhookUrl: `${hook.url}/api/webhooks/1/tok` }),
  });
  try {
    const code = await cmd.run([
      ...flags(dir),
      "--restart-delay",
      "0",
      "--max-restarts",
      "1",
      "--",
      "--mode",
      "live-session",
    ]);
    assert.equal(code, 1);
    const contents = hook.delivered.map((r) => r.body.content as string);
    assert.equal(contents.length, 2, contents.join("\n"));
    assert.match(
      contents[0],
      /^\*\*\[watchdog\] WARNING: Agent restarted by the watchdog\*\*\nrestarted child \(attempt 2, pid 9002\) after exit with code 1$/,
    );
    assert.match(
      contents[1],
      /^\*\*\[watchdog\] ALERT: Watchdog gave up: the agent is NOT running\*\*\ngiving up: child failed after 1 restarts/,
    );
    const log = await Deno.readTextFile(`${dir}/system.jsonl`);
    assert.ok(log.includes('"event":"notify.sent"'), "the notifier's lines in its log");
    assert.ok(!log.includes("/api/webhooks/1/tok"));
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});
