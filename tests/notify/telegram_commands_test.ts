import assert from "node:assert/strict";
import type { EventSink } from "../../src/core/events.ts";
import { TelegramCommands } from "../../src/notify/mod.ts";
import { startFakeTelegram } from "../fakes/fake_notify.ts";

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Logged = { event: string; fields: Record<string, unknown> };

function memoryLog(): EventSink & { events: Logged[] } {
  const events: Logged[] = [];
  return { events, emit: (_l, _c, event, fields = {}) => events.push({ event, fields }) };
}

Deno.test("telegram commands: /status and /kill from the configured chat only", async (t) => {
  const tg = startFakeTelegram({ maxHoldMs: 50 });
  const log = memoryLog();
  const replies: [string, string][] = [];
  let kills = 0;
  const commands = new TelegramCommands({
    apiUrl: tg.apiUrl,
    token: tg.token,
    chatId: "4242",
    pollTimeoutS: 1,
    log,
    handlers: {
      status: () => "all fine",
      kill: () => `killed ${++kills}`,
    },
    reply: (text, command) => replies.push([command, text]),
  });
  commands.start();
  const seen = () =>
    log.events.filter((e) =>
      e.event === "notify.command_received" || e.event === "notify.command_ignored"
    )
      .length;
  try {
    await t.step("/status replies; /kill@bot runs the kill", async () => {
      tg.pushMessage(4242, "/status");
      tg.pushMessage(4242, "/kill@laptop_agents_bot now");
      await until(() => replies.length === 2, 5000, "two replies");
      assert.deepEqual(replies, [["status", "all fine"], ["kill", "killed 1"]]);
      const got = log.events.filter((e) => e.event === "notify.command_received");
      assert.deepEqual(got.map((e) => [e.fields.command, e.fields.chat_id]), [
        ["status", 4242],
        ["kill", 4242],
      ]);
    });

    await t.step("another chat, other commands, old commands: ignored and logged", async () => {
      const before = seen();
      tg.pushMessage(999, "/kill");
      tg.pushMessage(4242, "/start");
      tg.pushMessage(4242, "hello there, bot");
      tg.pushMessage(4242, "/kill", { date: Math.floor(Date.now() / 1000) - 600 });
      await until(() => seen() === before + 4, 5000, "four ignored");
      assert.equal(kills, 1, "no kill from any of them");
      assert.equal(replies.length, 2, "no replies to them");
      const ignored = log.events.filter((e) => e.event === "notify.command_ignored");
      assert.deepEqual(ignored.map((e) => e.fields.reason), [
        "another chat",
        "unknown command",
        "unknown command",
        "too old",
      ]);
      assert.equal(ignored[0].fields.chat_id, 999);
      assert.equal(ignored[1].fields.text, "/start");
      assert.equal(ignored[2].fields.text, "hello");
    });

    await t.step("each update is read once (the offset moves past it)", () => {
      const offsets = tg.polls.map((p) => p.offset ?? 0);
      for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i] >= offsets[i - 1]);
      assert.equal(Math.max(...offsets) >= 6, true);
      assert.equal(tg.polls[0].timeout, 1);
    });
  } finally {
    await commands.close();
    await tg.close();
  }
  assert.ok(!JSON.stringify(log.events).includes(tg.token), "no token in the log");
});

Deno.test("telegram commands: a channel chat id (@name) matches by username", async () => {
  const tg = startFakeTelegram({ maxHoldMs: 50 });
  const replies: string[] = [];
  const commands = new TelegramCommands({
    apiUrl: tg.apiUrl,
    token: tg.token,
    chatId: "@OpsRoom",
    pollTimeoutS: 1,
    handlers: { status: () => "ok", kill: () => "k" },
    reply: (text) => replies.push(text),
  });
  commands.start();
  try {
    tg.pushMessage(-100, "/status", { username: "someoneelse" });
    tg.pushMessage(-100, "/status", { username: "opsroom" });
    await until(() => replies.length === 1 && commands.handled === 1, 5000, "one reply");
  } finally {
    await commands.close();
    await tg.close();
  }
});

Deno.test("telegram commands: a refused token stops polling, logged without the token", async () => {
  const tg = startFakeTelegram({ maxHoldMs: 50 });
  const log = memoryLog();
  const token = "999:not-the-token";
  const commands = new TelegramCommands({
    apiUrl: tg.apiUrl,
    token,
    chatId: "1",
    pollTimeoutS: 1,
    log,
    handlers: { status: () => "", kill: () => "" },
    reply: () => {},
  });
  commands.start();
  try {
    await until(
      () => log.events.some((e) => e.event === "notify.commands_stopped"),
      5000,
      "stop",
    );
    const stopped = log.events.find((e) => e.event === "notify.commands_stopped")!;
    assert.match(String(stopped.fields.error), /^HTTP 401: Unauthorized/);
    assert.ok(!JSON.stringify(log.events).includes(token));
  } finally {
    await commands.close();
    await tg.close();
  }
});
