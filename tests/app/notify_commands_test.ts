import assert from "node:assert/strict";
import { createMonitorCommand } from "../../src/app/monitor.ts";
import { createNotifyCommand } from "../../src/app/notify_command.ts";
import { createWatchdogCommand } from "../../src/app/watchdog.ts";
import type { NotifyEnv } from "../../src/config/notify_env.ts";
import { isInputError } from "../../src/core/errors.ts";
import { HeartbeatWriter } from "../../src/ops/heartbeat.ts";
import type { ChildHandle } from "../../src/ops/supervisor_process.ts";
import { startFakeHook, startFakeTelegram } from "../fakes/fake_notify.ts";

const CHAT = "4242";

Deno.test("notify test: a test message to each configured channel, which worked said", async (t) => {
  const tg = startFakeTelegram();
  const hook = startFakeHook();
  const discord = startFakeHook();
  const dir = await Deno.makeTempDir();
  const vars: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_CHAT_ID: CHAT,
    TELEGRAM_API_URL: tg.apiUrl,
    WEBHOOK_URL: `${hook.url}/hook/s3cr3t`,
    DISCORD_WEBHOOK_URL: `${discord.url}/api/webhooks/1/t0k3n`,
  };
  const lines: string[] = [];
  const command = (env: Record<string, string>) =>
    createNotifyCommand({
      env: { getEnv: (k) => env[k], envFile: `${dir}/.env` },
      out: (l) => lines.push(l),
      now: () => Date.UTC(2024, 2, 1),
    });
  try {
    await t.step("all three answer: each OK, exit 0", async () => {
      lines.length = 0;
      assert.equal(await command(vars).run(["test"]), 0);
      assert.deepEqual(lines, ["telegram  OK", "webhook   OK", "discord   OK"]);
      assert.equal(tg.delivered.length, 1);
      assert.equal(tg.delivered[0].chat_id, CHAT);
      assert.equal(
        tg.delivered[0].text,
        "[notify test] Test message\nlaptop-agents reached this channel at " +
          "2024-03-01T00:00:00.000Z (notify test).",
      );
      assert.equal(hook.delivered[0].body.kind, "test");
      assert.equal(hook.delivered[0].body.event, "notify.test");
      assert.match(discord.delivered[0].body.content, /^\*\*\[notify test\] Test message\*\*/);
    });

    await t.step("one answers 500, one hangs: each FAILED with why, exit 1", async () => {
      hook.mode = "500";
      discord.mode = "hang";
      lines.length = 0;
      assert.equal(await command(vars).run(["test", "--timeout", "0.3"]), 1);
      assert.deepEqual(lines, [
        "telegram  OK",
        "webhook   FAILED: HTTP 500",
        "discord   FAILED: no reply within 0.3 s",
      ]);
      hook.mode = "ok";
      discord.mode = "ok";
    });

    await t.step("a rate limit is reported with its wait", async () => {
      tg.rateLimit(1, 12);
      lines.length = 0;
      assert.equal(
        await command({ ...vars, WEBHOOK_URL: "", DISCORD_WEBHOOK_URL: "" }).run(["test"]),
        1,
      );
      assert.deepEqual(lines, [
        "telegram  FAILED: HTTP 429: Too Many Requests: retry after 12 (rate limited: retry after 12 s)",
        "webhook   not configured",
        "discord   not configured",
      ]);
    });

    await t.step("a channel that refuses the connection: FAILED without its URL", async () => {
      const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const url = `http://127.0.0.1:${(dead.addr as Deno.NetAddr).port}/hook/zz-secret-zz`;
      dead.close();
      lines.length = 0;
      const only = { WEBHOOK_URL: url };
      assert.equal(await command(only).run(["test"]), 1);
      assert.equal(lines[0], "telegram  not configured");
      assert.match(lines[1], /^webhook {3}FAILED: network error: /);
      assert.ok(!lines.join("\n").includes("zz-secret-zz"), lines.join("\n"));
    });

    await t.step("nothing configured: says so, exit 1", async () => {
      lines.length = 0;
      assert.equal(await command({}).run(["test"]), 1);
      assert.equal(lines.length, 1);
      assert.match(lines[0], /^No notification channel configured: set TELEGRAM_BOT_TOKEN/);
    });

    await t.step("another subcommand or a bad variable: input error", async () => {
      await assert.rejects(() => command(vars).run(["send"]), isInputError);
      await assert.rejects(() => command(vars).run([]), isInputError);
      await assert.rejects(
        () => command({ ...vars, TELEGRAM_CHAT_ID: "" }).run(["test"]),
        (e) => isInputError(e) && /TELEGRAM_CHAT_ID/.test((e as Error).message),
      );
    });
    assert.ok(!lines.join("\n").includes(tg.token));
  } finally {
    await tg.close();
    await hook.close();
    await discord.close();
    await Deno.remove(dir, { recursive: true });
  }
});

function writeBeat(path: string, ts: number) {
  const w = new HeartbeatWriter({ path, intervalMs: 0, now: () => ts, pid: 4321 });
  w.beat({
    runId: "run-7",
    mode: "live-session",
    executionMode: "paper",
    symbol: "BTCUSDT",
    lastCandleTs: null,
    position: null,
    equity: 10_000,
    riskState: "active",
  });
  w.close();
}

Deno.test("monitor: a stale heartbeat is told once, and once more when it is back", async () => {
  const hook = startFakeHook();
  const dir = await Deno.makeTempDir();
  const hb = `${dir}/heartbeat.json`;
  const NOW = Date.UTC(2025, 0, 1, 12);
  const env: NotifyEnv = { webhookUrl: `${hook.url}/hook` };
  const lines: string[] = [];
  let stop = () => {};
  let sleeps = 0;
  writeBeat(hb, NOW - 12_000);
  const cmd = createMonitorCommand({
    now: () => NOW,
    out: (l) => lines.push(l),
    notifyEnv: () => env,
    onInterrupt: (s) => {
      stop = s;
      return () => {};
    },
    sleep: async () => {
      sleeps++;
      if (sleeps === 3) writeBeat(hb, NOW - 500);
      if (sleeps === 5) stop();
      // let the notifier's sender run between checks
      await new Promise((r) => setTimeout(r, 20));
    },
  });
  try {
    assert.equal(await cmd.run(["--heartbeat", hb, "--interval", "1"]), 0);
    assert.equal(lines.filter((l) => / ALERT /.test(l)).length, 3, "three stale checks");
    const got = hook.delivered.map((r) => [r.body.event, r.body.title]);
    assert.deepEqual(got, [
      ["heartbeat.missed", "Heartbeat missed: the agent may be frozen or down"],
      ["heartbeat.recovered", "Heartbeat back"],
    ]);
    assert.match(hook.delivered[0].body.text, /^ALERT heartbeat is stale \(12\.0s old, max 5s\)/);
    assert.equal(hook.delivered[0].body.label, "monitor");
    assert.match(lines[0], /^Notifications: webhook \(http:\/\/127\.0\.0\.1:\d+\)\.$/);

    // --once: an unhealthy check is sent before the command returns
    hook.delivered.length = 0;
    writeBeat(hb, NOW - 30_000);
    assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 1);
    assert.equal(hook.delivered.length, 1);
    assert.equal(hook.delivered[0].body.kind, "heartbeat_missed");
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchdog: restarts and the crash-loop give-up are told", async () => {
  const hook = startFakeHook();
  const dir = await Deno.makeTempDir();
  let started = 0;
  const crashing = (): ChildHandle => ({
    pid: 9000 + ++started,
    status: Promise.resolve({ code: 1, signal: null }),
    kill() {},
  });
  const cmd = createWatchdogCommand({
    selfCommand: () => ["agent"],
    spawn: crashing,
    onSignal: () => () => {},
    out: () => {},
    notifyEnv: () => ({ discordWebhookUrl: `${hook.url}/api/webhooks/1/tok` }),
  });
  try {
    const code = await cmd.run([
      "--restart-delay",
      "0",
      "--max-restarts",
      "1",
      "--heartbeat",
      `${dir}/heartbeat.json`,
      "--pid-file",
      `${dir}/watchdog.pid`,
      "--log",
      `${dir}/watchdog.log`,
      "--system-log",
      `${dir}/system.jsonl`,
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
