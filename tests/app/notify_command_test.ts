import assert from "node:assert/strict";
import { createNotifyCommand } from "../../src/app/notify/notify_command.ts";
import { isInputError } from "../../src/core/errors.ts";
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
