/**
 * Ctrl+C under the watchdog, with real processes: the watchdog runs in its own session and
 * process group (setsid) and the test sends SIGINT to the whole group, as a terminal does.
 * Under `deno task` the task runner forwards the signal again, so the watchdog gets two in
 * the same millisecond: that must still be a graceful stop, not a SIGKILL of the agent.
 */
import assert from "node:assert/strict";
import { cleanEnv, exists, MAIN_TS, waitFor } from "./_session_helpers.ts";

const SETSID = "/usr/bin/setsid";
const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;
const WATCHDOG_MAIN = new URL("../fixtures/watchdog_main.ts", import.meta.url).pathname;
const AGENT = [
  "--mode",
  "live-session",
  "--source",
  "mock",
  "--execution-mode",
  "paper",
  "--duration",
  "5",
  "--speed",
  "600",
];
const ignore = Deno.build.os !== "linux" || !exists(SETSID);

/** `deno <args>` as the leader of a new session and process group. */
function inOwnGroup(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(SETSID, {
    args: ["--wait", Deno.execPath(), ...args],
    cwd,
    env: cleanEnv({ LAPTOP_AGENTS_HOME: "" }),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Session id and process group of a process, from `ps` (reading /proc would need every
 * permission, and the test suite runs with the task's narrower ones).
 */
async function groupOf(pid: number): Promise<{ pgrp: number; sid: number }> {
  const out = await new Deno.Command("ps", { args: ["-o", "pgid=,sid=", "-p", String(pid)] })
    .output();
  const [pgrp, sid] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
  return { pgrp, sid };
}

function pidIn(file: string): number {
  return Number(Deno.readTextFileSync(file).trim());
}

/** Waits for the process, or SIGKILLs its group after `ms` and fails. */
async function finish(proc: Deno.ChildProcess, pgid: number, ms: number) {
  const output = proc.output();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        Deno.kill(-pgid, "SIGKILL");
      } catch {
        // gone
      }
      reject(new Error(`watchdog did not exit within ${ms} ms`));
    }, ms);
  });
  try {
    const out = await Promise.race([output, timeout]);
    const dec = new TextDecoder();
    return { code: out.code, stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
    await output.catch(() => {});
  }
}

/** Starts a watchdog over the real agent, waits for the agent, sends one group SIGINT. */
async function oneCtrlC(args: string[], home: string, cwd: string) {
  const proc = inOwnGroup(args, cwd);
  const output = finish(proc, proc.pid, 90_000);
  const logs = `${home}/logs`;
  await waitFor(
    () => ["watchdog.pid", "agent.pid", "heartbeat.json"].every((f) => exists(`${logs}/${f}`)),
    60_000,
    "the agent's pid file and heartbeat",
  );
  const { pgrp, sid } = await groupOf(pidIn(`${logs}/watchdog.pid`));
  assert.equal(pgrp, sid, "the watchdog is in the session leader's process group");
  const agentPid = pidIn(`${logs}/agent.pid`);
  Deno.kill(-pgrp, "SIGINT"); // Ctrl+C: the whole foreground group
  const { code, stderr } = await output;
  const log = await Deno.readTextFile(`${logs}/watchdog.log`);
  assert.equal(code, 0, `${stderr}\n${log}`);
  assert.ok(!exists(`${logs}/agent.pid`), "the agent removed its pid file");
  assert.ok(!exists(`/proc/${agentPid}`), "the agent has exited");
  const runs = [...Deno.readDirSync(`${home}/runs`)].filter((e) =>
    e.isDirectory && e.name !== "latest"
  );
  assert.equal(runs.length, 1);
  for (const f of ["stats.json", "summary.html"]) {
    assert.ok(exists(`${home}/runs/${runs[0].name}/${f}`), `${f} written`);
  }
  assert.ok(!/SIGKILL|killing child/.test(log), log);
  return { log, stderr };
}

async function tempHome(): Promise<string> {
  const home = await Deno.realPath(await Deno.makeTempDir({ prefix: "la-ctrlc-" }));
  await Deno.mkdir(`${home}/config`);
  await Deno.writeTextFile(`${home}/config/KILL_SWITCH.txt`, "FALSE\n");
  return home;
}

Deno.test({
  name: "one Ctrl+C under `deno task start watchdog` stops the agent gracefully",
  ignore,
  fn: async () => {
    const home = await tempHome();
    try {
      const { log } = await oneCtrlC(
        ["task", "--config", DENO_JSON, "start", "--home", home, "watchdog", "--", ...AGENT],
        home,
        home,
      );
      assert.match(log, /received SIGINT: forwarding it to child pid \d+/);
      // the task runner's copy of the same Ctrl+C, when it reaches the watchdog before the
      // watchdog is done (it usually does), is ignored: never a kill
      for (const line of log.split("\n").filter((l) => / again /.test(l))) {
        assert.match(
          line,
          /INFO received SIGINT again \d+ ms after the first: a duplicate delivery/,
        );
      }
      assert.doesNotMatch(log, /SIGKILL/);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "one Ctrl+C under `deno run main.ts watchdog` stops the agent gracefully",
  ignore,
  fn: async () => {
    const home = await tempHome();
    try {
      await oneCtrlC(["run", "-A", MAIN_TS, "watchdog", "--", ...AGENT], home, home);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "two Ctrl+C 1.5 s apart kill a child that is slow to stop",
  ignore,
  fn: async () => {
    const home = await tempHome();
    try {
      const hb = `${home}/logs/heartbeat.json`;
      const marker = `${home}/marker`;
      const proc = inOwnGroup([
        "run",
        "-A",
        WATCHDOG_MAIN,
        "--",
        "--heartbeat",
        hb,
        "--marker",
        marker,
        "--linger-ms",
        "60000",
      ], home);
      const output = finish(proc, proc.pid, 60_000);
      await waitFor(() => exists(hb) && exists(`${home}/logs/watchdog.pid`), 30_000, "child");
      const { pgrp } = await groupOf(pidIn(`${home}/logs/watchdog.pid`));
      Deno.kill(-pgrp, "SIGINT");
      await waitFor(() => exists(marker), 10_000, "the child's first SIGINT");
      // the one unavoidable wait: a real second Ctrl+C, 1.5 s after the first
      await new Promise((r) => setTimeout(r, 1500));
      Deno.kill(-pgrp, "SIGINT");
      const { code, stderr } = await output;
      const log = await Deno.readTextFile(`${home}/logs/watchdog.log`);
      assert.equal(code, 137, `${stderr}\n${log}`);
      assert.match(log, /second SIGINT 1\.\ds after the first: killing child pid \d+ with SIGKILL/);
      assert.ok(Deno.readTextFileSync(marker).startsWith("SIGINT"));
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
