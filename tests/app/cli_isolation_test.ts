/**
 * The CLI tests run the real program with this process's environment: the developer's own
 * notification channels (in the environment, or the `.env` of an agent home it names) must
 * never reach a test's child.
 */
import assert from "node:assert/strict";
import { startFakeHook, startFakeTelegram } from "../fakes/fake_notify.ts";
import { QUICK_TRADES, runCli, tempWorkspace, withEnv } from "./_session_helpers.ts";

Deno.test("a CLI session test never notifies the channels of the developer's environment", async () => {
  const tg = startFakeTelegram();
  const hook = startFakeHook();
  const ws = await tempWorkspace();
  const home = await Deno.makeTempDir({ prefix: "la-dev-home-" });
  const channels = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_CHAT_ID: "4242",
    TELEGRAM_API_URL: tg.apiUrl,
    WEBHOOK_URL: `${hook.url}/env`,
    DISCORD_WEBHOOK_URL: `${hook.url}/discord`,
  };
  try {
    // the developer's agent home, with its own .env
    await Deno.mkdir(`${home}/config`);
    await Deno.writeTextFile(`${home}/config/KILL_SWITCH.txt`, "FALSE\n");
    await Deno.writeTextFile(`${home}/.env`, `WEBHOOK_URL=${hook.url}/home-dotenv\n`);
    const r = await withEnv({ ...channels, LAPTOP_AGENTS_HOME: home }, () =>
      runCli([
        "--mode",
        "live-session",
        "--source",
        "mock",
        ...QUICK_TRADES,
        "--duration",
        "0.02",
        "--speed",
        "600",
      ], { cwd: ws.dir }));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Notifications:/);
    assert.deepEqual(hook.received.map((q) => q.path), []);
    assert.deepEqual(tg.sent, []);
    assert.deepEqual(tg.polls, []);
    assert.ok((await Deno.stat(`${ws.dir}/logs/system.jsonl`)).isFile, "ran in the workspace");
  } finally {
    await ws.cleanup();
    await Deno.remove(home, { recursive: true });
    await tg.close();
    await hook.close();
  }
});
