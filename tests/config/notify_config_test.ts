import assert from "node:assert/strict";
import { parseConfigFile } from "../../src/config/config_file.ts";
import { NOTIFY_KINDS, resolveNotifyRoutes } from "../../src/config/notify_config.ts";
import {
  DEFAULT_TELEGRAM_API_URL,
  loadNotifyEnv,
  notifySecrets,
} from "../../src/config/notify_env.ts";
import { isInputError } from "../../src/core/errors.ts";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isInputError(e), String(e));
    return (e as Error).message;
  }
  throw new Error("no error");
}

Deno.test("config file: the notify section", async (t) => {
  await t.step("is taken out of the flags and resolved per channel", () => {
    const text = JSON.stringify({
      "risk-pct": 0.5,
      notify: {
        telegram: { entry: false, exit: false },
        webhook: false,
        discord: { all: false, gave_up: true, heartbeat_missed: true },
        telegram_commands: false,
      },
    });
    const file = parseConfigFile(text, "c.json");
    assert.deepEqual(file.argv, ["--risk-pct", "0.5"]);
    const r = resolveNotifyRoutes(file.notify);
    assert.equal(r.telegramCommands, false);
    assert.deepEqual(
      [...r.kinds.telegram],
      NOTIFY_KINDS.filter((k) => k !== "entry" && k !== "exit"),
    );
    assert.deepEqual([...r.kinds.webhook], []);
    assert.deepEqual([...r.kinds.discord], ["gave_up", "heartbeat_missed"]);
  });

  await t.step("absent: every kind on every channel, commands on", () => {
    const file = parseConfigFile('{"fast": 3}', "c.json");
    assert.equal(file.notify, undefined);
    const r = resolveNotifyRoutes(undefined);
    for (const ch of ["telegram", "webhook", "discord"] as const) {
      assert.equal(r.kinds[ch].size, NOTIFY_KINDS.length);
    }
    assert.equal(r.telegramCommands, true);
  });

  await t.step("a typo or a wrong type is a one-line input error naming the key", () => {
    assert.match(
      inputError(() => parseConfigFile('{"notify": {"telegram": {"entyr": false}}}', "c.json")),
      /^Invalid config file c\.json key notify\.telegram: known kinds only: all, entry, exit/,
    );
    assert.match(
      inputError(() => parseConfigFile('{"notify": {"slack": true}}', "c.json")),
      /^Invalid config file c\.json key notify: known keys only: telegram, webhook, discord/,
    );
    assert.match(
      inputError(() => parseConfigFile('{"notify": {"webhook": {"entry": "yes"}}}', "c.json")),
      /^Invalid config file c\.json key notify\.webhook/,
    );
    assert.match(
      inputError(() => parseConfigFile('{"notify": []}', "c.json")),
      /^Invalid config file c\.json key notify/,
    );
    // other keys keep their flag-value rule
    assert.match(
      inputError(() => parseConfigFile('{"fast": {"a": 1}}', "c.json")),
      /^Invalid config file c\.json key fast/,
    );
  });
});

Deno.test("notification env: names, .env fallback, pairs, no echo", async (t) => {
  const dir = await Deno.makeTempDir();
  const envFile = `${dir}/.env`;
  try {
    await t.step("nothing set: no channel", () => {
      assert.deepEqual(loadNotifyEnv({ getEnv: () => undefined, envFile }), {});
    });

    await t.step("from .env, the environment winning", async () => {
      await Deno.writeTextFile(
        envFile,
        `TELEGRAM_BOT_TOKEN=${TOKEN}\nTELEGRAM_CHAT_ID=-100200\n` +
          `WEBHOOK_URL="https://hooks.example.com/a/b?k=1"\nBITUNIX_API_SECRET=x\n`,
      );
      const env = loadNotifyEnv({
        getEnv: (k) =>
          k === "DISCORD_WEBHOOK_URL"
            ? "https://discord.com/api/webhooks/1/abc"
            : k === "TELEGRAM_CHAT_ID"
            ? "777"
            : undefined,
        envFile,
      });
      assert.deepEqual(env, {
        telegram: { apiUrl: DEFAULT_TELEGRAM_API_URL, token: TOKEN, chatId: "777" },
        webhookUrl: "https://hooks.example.com/a/b?k=1",
        discordWebhookUrl: "https://discord.com/api/webhooks/1/abc",
      });
      const secrets = notifySecrets(env);
      for (
        const s of [
          TOKEN,
          "https://discord.com/api/webhooks/1/abc",
          "https://hooks.example.com/a/b?k=1",
        ]
      ) assert.ok(secrets.includes(s));
      assert.ok(!secrets.includes("777"), "the chat id is not a secret");
    });

    await t.step("a token without a chat (or the reverse) is refused", () => {
      const only = (vars: Record<string, string>) => () =>
        loadNotifyEnv({ getEnv: (k) => vars[k], useEnvFile: false });
      assert.match(
        inputError(only({ TELEGRAM_BOT_TOKEN: TOKEN })),
        /^Invalid TELEGRAM_CHAT_ID: set together/,
      );
      assert.match(
        inputError(only({ TELEGRAM_CHAT_ID: "5" })),
        /^Invalid TELEGRAM_BOT_TOKEN: set together/,
      );
    });

    await t.step("bad values are named, never echoed", () => {
      const bad = (vars: Record<string, string>) =>
        inputError(() => loadNotifyEnv({ getEnv: (k) => vars[k], useEnvFile: false }));
      const leak = "zz-leak me-zz";
      const m1 = bad({ TELEGRAM_BOT_TOKEN: leak, TELEGRAM_CHAT_ID: "5" });
      assert.match(m1, /^Invalid TELEGRAM_BOT_TOKEN: a bot token/);
      assert.ok(!m1.includes(leak));
      const m2 = bad({ WEBHOOK_URL: `ftp://${leak}` });
      assert.match(m2, /^Invalid WEBHOOK_URL: an http\(s\) URL/);
      assert.ok(!m2.includes(leak));
      assert.match(bad({ DISCORD_WEBHOOK_URL: "nope" }), /^Invalid DISCORD_WEBHOOK_URL/);
      assert.match(
        bad({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: "me" }),
        /^Invalid TELEGRAM_CHAT_ID: a chat id/,
      );
      assert.match(bad({ TELEGRAM_API_URL: "api.telegram.org" }), /^Invalid TELEGRAM_API_URL/);
    });

    await t.step("TELEGRAM_API_URL is configurable (trailing slash cut)", () => {
      const env = loadNotifyEnv({
        getEnv: (k) =>
          ({
            TELEGRAM_BOT_TOKEN: TOKEN,
            TELEGRAM_CHAT_ID: "@mychannel",
            TELEGRAM_API_URL: "http://127.0.0.1:9/",
          })[k],
        useEnvFile: false,
      });
      assert.deepEqual(env.telegram, {
        apiUrl: "http://127.0.0.1:9",
        token: TOKEN,
        chatId: "@mychannel",
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
