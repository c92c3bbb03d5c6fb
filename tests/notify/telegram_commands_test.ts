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

/** One scripted answer of the Bot API to a poll; `signal` is the poll's. */
type Answer = (signal: AbortSignal) => Promise<Response>;

/** A request that never answers; it fails when its signal aborts. */
const hang: Answer = (signal) =>
  new Promise((_, reject) =>
    signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), {
      once: true,
    })
  );

const updates = (result: unknown[] = []): Answer => () =>
  Promise.resolve(Response.json({ ok: true, result }));

/**
 * A poller on a scripted fetch (the script's answers in turn, then polls that hang) and an
 * injected sleep: no network, no real waiting. `waits` are the backoff and rate-limit waits
 * it asked for; the poll's own hold guard (pollTimeoutS + 15 s) fires at once for the first
 * `heldPolls` polls, and for later ones only when the poll ends.
 */
function scriptedPoller(script: Answer[], opts: { heldPolls?: number } = {}) {
  const log = memoryLog();
  const waits: number[] = [];
  const holds: number[] = [];
  let polls = 0;
  const commands = new TelegramCommands({
    apiUrl: "http://127.0.0.1:9",
    token: "123:scripted",
    chatId: "1",
    pollTimeoutS: 25,
    backoffMs: 1_000,
    maxBackoffMs: 5_000,
    log,
    handlers: { status: () => "", kill: () => "" },
    reply: () => {},
    fetch: (_url, init) => (script[polls++] ?? hang)(init.signal!),
    sleep: (ms, signal) => {
      if (ms === 40_000) {
        holds.push(ms);
        if (holds.length <= (opts.heldPolls ?? 0)) return Promise.resolve();
        return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
      }
      waits.push(ms);
      return Promise.resolve();
    },
  });
  const failures = () => log.events.filter((e) => e.event === "notify.commands_failed");
  return {
    commands,
    log,
    waits,
    holds,
    failures,
    get polls() {
      return polls;
    },
  };
}

Deno.test("telegram commands: failed polls back off, doubling to the cap; a good poll resets it", async () => {
  const down: Answer = () => Promise.reject(new TypeError("fetch failed"));
  const p = scriptedPoller([down, down, down, down, down, updates(), down, down]);
  p.commands.start();
  try {
    await until(() => p.polls === 9, 5000, "nine polls");
    assert.deepEqual(p.waits, [1_000, 2_000, 4_000, 5_000, 5_000, 1_000, 2_000]);
    assert.deepEqual(
      p.failures().map((e) => [e.fields.attempt, e.fields.delay_ms, e.fields.error]),
      [
        [1, 1_000, "TypeError: fetch failed"],
        [2, 2_000, "TypeError: fetch failed"],
        [3, 4_000, "TypeError: fetch failed"],
        [4, 5_000, "TypeError: fetch failed"],
        [5, 5_000, "TypeError: fetch failed"],
        [1, 1_000, "TypeError: fetch failed"],
        [2, 2_000, "TypeError: fetch failed"],
      ],
    );
    const resumed = p.log.events.filter((e) => e.event === "notify.commands_resumed");
    assert.deepEqual(resumed.map((e) => e.fields.after), [5]);
  } finally {
    await p.commands.close();
  }
});

Deno.test("telegram commands: a wait the Bot API asks for is kept, from the reply or the header", async () => {
  const p = scriptedPoller([
    () =>
      Promise.resolve(Response.json({
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 7",
        parameters: { retry_after: 7 },
      }, { status: 429 })),
    () =>
      Promise.resolve(new Response("slow down", { status: 429, headers: { "retry-after": "4" } })),
    // the same rule as sending: a Retry-After on any failure
    () =>
      Promise.resolve(
        new Response("maintenance", { status: 503, headers: { "retry-after": "3" } }),
      ),
    () => Promise.resolve(new Response("boom", { status: 500 })),
  ]);
  p.commands.start();
  try {
    await until(() => p.polls === 5, 5000, "five polls");
    assert.deepEqual(p.waits, [7_000, 4_000, 3_000, 5_000], "the 4th failure: backoff, capped");
    assert.deepEqual(p.failures().map((e) => e.fields.error), [
      "HTTP 429: Too Many Requests: retry after 7",
      "HTTP 429",
      "HTTP 503",
      "HTTP 500",
    ]);
  } finally {
    await p.commands.close();
  }
});

Deno.test("telegram commands: a poll held past its timeout fails and backs off", async () => {
  const p = scriptedPoller([hang, hang, updates()], { heldPolls: 2 });
  p.commands.start();
  try {
    await until(() => p.polls === 4, 5000, "four polls");
    assert.equal(p.holds.length, 4, "each poll guarded by pollTimeoutS + 15 s");
    assert.deepEqual(p.waits, [1_000, 2_000]);
    assert.deepEqual(p.failures().map((e) => e.fields.error), [
      "getUpdates held past its timeout",
      "getUpdates held past its timeout",
    ]);
  } finally {
    await p.commands.close();
  }
});
