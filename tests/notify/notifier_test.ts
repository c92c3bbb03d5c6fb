import assert from "node:assert/strict";
import { resolveNotifyRoutes } from "../../src/config/notify_config.ts";
import { notifySecrets } from "../../src/config/notify_env.ts";
import type { EventSink, LogLevel } from "../../src/core/events.ts";
import {
  discordChannel,
  type Notice,
  Notifier,
  type NotifierOptions,
  type NotifyChannel,
  telegramChannel,
  webhookChannel,
} from "../../src/notify/mod.ts";
import {
  type FakeHook,
  type FakeTelegram,
  startFakeHook,
  startFakeTelegram,
} from "../fakes/fake_notify.ts";

const CHAT = "4242";

/** Waits until `cond()` holds (polling every 10 ms); throws after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Logged {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

function memoryLog(): EventSink & { events: Logged[] } {
  const events: Logged[] = [];
  return { events, emit: (level, _c, event, fields = {}) => events.push({ level, event, fields }) };
}

/** A clock that sleeping moves forward: waits are recorded, nothing really waits. */
function fakeTime(start = Date.UTC(2024, 2, 1)) {
  let t = start;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    sleep: (ms: number) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

interface Fakes {
  tg: FakeTelegram;
  hook: FakeHook;
  discord: FakeHook;
  hookUrl: string;
  discordUrl: string;
  close(): Promise<void>;
}

function startFakes(): Fakes {
  const tg = startFakeTelegram();
  const hook = startFakeHook();
  const discord = startFakeHook();
  return {
    tg,
    hook,
    discord,
    hookUrl: `${hook.url}/hook/s3cr3t-path?key=k3y`,
    discordUrl: `${discord.url}/api/webhooks/123/d1sc0rd-t0ken`,
    close: async () => {
      await tg.close();
      await hook.close();
      await discord.close();
    },
  };
}

function channelsFor(f: Fakes, label = "paper BTCUSDT"): NotifyChannel[] {
  return [
    telegramChannel({ apiUrl: f.tg.apiUrl, token: f.tg.token, chatId: CHAT, label }),
    webhookChannel({ url: f.hookUrl, label }),
    discordChannel({ url: f.discordUrl, label }),
  ];
}

/** One of each event that makes a notification, with what its message must say. */
const EVENTS: [LogLevel, string, string, Record<string, unknown>, string, RegExp][] = [
  [
    "info",
    "execution",
    "order.filled",
    {
      clientId: "c1",
      side: "buy",
      qty: 0.0123,
      price: 60123.5,
      fee: 0.44,
      reason: "entry",
      latency_sec: 0.0421,
    },
    "entry",
    /Entry filled: long\nbuy 0\.0123 at 60123\.5, fee 0\.44, latency 0\.042 s/,
  ],
  [
    "info",
    "execution",
    "order.filled",
    {
      clientId: "c2",
      side: "sell",
      qty: 0.0123,
      price: 60300,
      fee: 0.45,
      reason: "tp",
      pnl: 1.27,
      latency_sec: 0.1,
    },
    "exit",
    /Exit filled \(tp\)\nsell 0\.0123 at 60300, pnl \+1\.27, fee 0\.45, latency 0\.100 s/,
  ],
  [
    "error",
    "execution",
    "order.failed",
    {
      clientId: "c3",
      intent: "entry",
      error: "Bitunix 20003: insufficient balance",
    },
    "order_refused",
    /ALERT: Order refused by the venue\nentry order c3: Bitunix 20003.*entries halted/,
  ],
  [
    "warn",
    "risk",
    "risk.state_changed",
    {
      from: "active",
      to: "reducing",
      reason: "daily loss limit reached",
      daily_loss: 50.2,
      limit: 50,
    },
    "risk_state",
    /WARNING: Risk gate REDUCING: daily loss limit reached\nloss 50\.20 of the 50\.00/,
  ],
  [
    "error",
    "risk",
    "risk.state_changed",
    {
      from: "active",
      to: "halted",
      reason: "exchange error: refused",
    },
    "risk_state",
    /ALERT: Risk gate HALTED\nnew entries blocked: exchange error: refused/,
  ],
  [
    "error",
    "killswitch",
    "killswitch.tripped",
    {
      message: "KILL SWITCH DETECTED!",
      path: "/home/a/config/KILL_SWITCH.txt",
      reason: "true",
    },
    "killswitch",
    /Kill switch tripped\nKILL SWITCH DETECTED!.*\/home\/a\/config\/KILL_SWITCH\.txt/,
  ],
  [
    "info",
    "killswitch",
    "killswitch.reset",
    {
      path: "/home/a/config/KILL_SWITCH.txt",
      reason: "false",
    },
    "killswitch",
    /Kill switch reset\nnew orders are allowed again/,
  ],
  [
    "error",
    "market",
    "data.stale",
    { seconds: 61.4, timeout_s: 60 },
    "stale_data",
    /Stale data: safety shutdown\nnothing from the market for 61 s \(limit 60 s\)/,
  ],
  [
    "warn",
    "supervisor",
    "supervisor.restarted",
    {
      message: "restarted child (attempt 2, pid 77) after exit with code 3",
    },
    "restart",
    /Agent restarted by the watchdog\nrestarted child \(attempt 2, pid 77\) after exit with code 3/,
  ],
  [
    "error",
    "supervisor",
    "supervisor.gave_up",
    {
      message: "giving up: child failed after 5 restarts within 300s",
    },
    "gave_up",
    /ALERT: Watchdog gave up: the agent is NOT running\ngiving up: child failed after 5 restarts/,
  ],
  [
    "warn",
    "supervisor",
    "supervisor.child_stale",
    {
      message: "child pid 77: heartbeat stale (31s old, limit 30s); stopping it",
    },
    "heartbeat_missed",
    /Heartbeat missed: the agent looks frozen\nchild pid 77: heartbeat stale/,
  ],
  [
    "error",
    "monitor",
    "heartbeat.missed",
    {
      message: "ALERT heartbeat is stale (12.0s old, max 5s)",
    },
    "heartbeat_missed",
    /Heartbeat missed: the agent may be frozen or down\nALERT heartbeat is stale/,
  ],
  [
    "info",
    "engine",
    "run.started",
    {
      config: {
        mode: "live-session",
        execution_mode: "paper",
        symbol: "BTCUSDT",
        interval: "1m",
        strategy: "ema-cross",
      },
    },
    "session",
    /Session started\npaper BTCUSDT 1m ema-cross/,
  ],
  [
    "info",
    "engine",
    "run.stopped",
    {
      reason: "duration",
      cancelled: 1,
      trades: 4,
      position: null,
      equity: 10012.5,
    },
    "session",
    /Session stopped \(duration\)\n4 trades, equity 10012\.50, position flat, 1 orders cancelled/,
  ],
  [
    "info",
    "journal",
    "session.daily_summary",
    {
      day: "2024-03-01",
      trades: 3,
      pnl: -4.2,
      equity: 9995.8,
    },
    "daily_summary",
    /Daily summary 2024-03-01\npnl -4\.20, 3 trades closed, equity 9995\.80/,
  ],
  [
    "error",
    "journal",
    "position.mismatch",
    {
      message: "the venue holds long 0.01 BTCUSDT but this agent's orders account for flat",
    },
    "safety",
    /Position mismatch with the venue\nthe venue holds long 0\.01/,
  ],
];

Deno.test("notifier: each event's message reaches Telegram, the webhook and Discord", async (t) => {
  const f = startFakes();
  const log = memoryLog();
  const n = new Notifier({ channels: channelsFor(f), log });
  try {
    await t.step("every event kind, in order, with its words", async () => {
      for (const [level, component, event, fields] of EVENTS) {
        n.emit(level, component, event, fields);
      }
      // nothing for events that are not worth a message
      n.emit("info", "execution", "order.placed", { clientId: "x" });
      n.emit("debug", "market", "agent.step", {});
      n.emit("warn", "notify", "notify.failed", {});
      await until(
        () =>
          f.tg.delivered.length === EVENTS.length && f.hook.delivered.length === EVENTS.length &&
          f.discord.delivered.length === EVENTS.length &&
          // a fake records a message before its reply reaches the notifier
          ["telegram", "webhook", "discord"].every((ch) => n.stats()[ch].sent === EVENTS.length),
        5000,
        "all messages",
      );
      for (const [i, [level, , event, fields, kind, words]] of EVENTS.entries()) {
        const tg = f.tg.delivered[i];
        assert.equal(tg.chat_id, CHAT);
        assert.ok(tg.text.startsWith("[paper BTCUSDT] "), tg.text);
        assert.match(tg.text, words, `telegram ${event}`);
        const hook = f.hook.delivered[i];
        assert.equal(hook.path, "/hook/s3cr3t-path?key=k3y");
        assert.equal(hook.body.source, "laptop-agents");
        assert.equal(hook.body.kind, kind);
        assert.equal(hook.body.event, event);
        assert.equal(hook.body.level, kind === "risk_state" ? hook.body.level : level);
        assert.equal(hook.body.label, "paper BTCUSDT");
        assert.deepEqual(hook.body.fields, fields);
        assert.match(
          `${hook.body.title}\n${hook.body.text}`,
          new RegExp(
            words.source.replace(/^(ALERT|WARNING): /, ""),
          ),
        );
        assert.match(hook.body.ts, /^\d{4}-\d\d-\d\dT/);
        const d = f.discord.delivered[i];
        assert.equal(d.path, "/api/webhooks/123/d1sc0rd-t0ken");
        assert.match(d.body.content, /^\*\*\[paper BTCUSDT\] /);
        assert.ok(d.body.content.includes(hook.body.title), d.body.content);
        assert.deepEqual(d.body.allowed_mentions, { parse: [] });
      }
      const stats = n.stats();
      for (const ch of ["telegram", "webhook", "discord"]) {
        assert.deepEqual(stats[ch], {
          sent: EVENTS.length,
          failed: 0,
          dropped: 0,
          abandoned: 0,
          pending: 0,
        });
      }
      assert.equal(log.events.filter((e) => e.event === "notify.sent").length, 3 * EVENTS.length);
    });

    await t.step("a shutdown's halt is not a risk state message (the stop message says it)", () => {
      const before = f.tg.sent.length;
      n.emit("info", "risk", "risk.state_changed", {
        from: "active",
        to: "halted",
        reason: "shutdown: duration",
        shutdown: true,
      });
      assert.equal(n.stats().telegram.pending, 0);
      assert.equal(f.tg.sent.length, before);
      // the field decides, not the reason's words
      n.emit("error", "risk", "risk.state_changed", {
        from: "active",
        to: "halted",
        reason: "shutdown: an operator's note",
      });
      assert.equal(n.stats().telegram.pending, 1);
    });
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: the config's kinds per channel decide what each one sends", async () => {
  const f = startFakes();
  const routes = resolveNotifyRoutes({
    telegram: { entry: false, exit: false },
    webhook: false,
    discord: { all: false, gave_up: true },
  });
  const n = new Notifier({ channels: channelsFor(f), kinds: routes.kinds });
  try {
    for (const [level, component, event, fields] of EVENTS) n.emit(level, component, event, fields);
    const expectTelegram = EVENTS.filter((e) => e[4] !== "entry" && e[4] !== "exit").length;
    await until(
      () => f.tg.delivered.length === expectTelegram && f.discord.delivered.length === 1,
      5000,
      "routed messages",
    );
    assert.ok(f.tg.delivered.every((m) => !/filled/.test(m.text)));
    assert.equal(f.hook.received.length, 0);
    assert.match(f.discord.delivered[0].body.content, /Watchdog gave up/);
    // test messages go everywhere, replies only to Telegram
    const test: Notice = {
      kind: "test",
      event: "notify.test",
      level: "info",
      title: "Test",
      text: "t",
      fields: {},
    };
    n.notify(test);
    n.notify({ ...test, kind: "reply", event: "notify.reply" });
    await until(
      () => f.hook.delivered.length === 1 && f.tg.delivered.length === expectTelegram + 2,
      5000,
      "test and reply",
    );
    assert.equal(f.discord.delivered.length, 2);
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: Telegram's 429 retry_after is waited out before the next request", async () => {
  const f = startFakes();
  const time = fakeTime();
  const log = memoryLog();
  const opts: Partial<NotifierOptions> = { now: time.now, sleep: time.sleep, log };
  const n = new Notifier({ channels: channelsFor(f).slice(0, 1), ...opts });
  try {
    f.tg.rateLimit(2, 7);
    n.emit(...EVENTS[0].slice(0, 4) as [LogLevel, string, string, Record<string, unknown>]);
    n.emit(...EVENTS[1].slice(0, 4) as [LogLevel, string, string, Record<string, unknown>]);
    await until(() => f.tg.delivered.length === 2, 5000, "delivery after the 429s");
    // two refusals, each waited out for its full 7 s, then both delivered in order
    assert.equal(f.tg.sent.length, 4);
    assert.deepEqual(time.waits, [7000, 7000]);
    assert.match(f.tg.delivered[0].text, /Entry filled/);
    assert.match(f.tg.delivered[1].text, /Exit filled/);
    const retried = log.events.filter((e) => e.event === "notify.retrying");
    assert.equal(retried.length, 2);
    assert.equal(retried[0].fields.retry_after_s, 7);
    assert.match(String(retried[0].fields.error), /^HTTP 429: Too Many Requests/);
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: Discord's and the webhook's 429 waits are honoured too", async () => {
  const f = startFakes();
  const time = fakeTime();
  const n = new Notifier({
    channels: channelsFor(f).slice(1),
    now: time.now,
    sleep: time.sleep,
  });
  try {
    f.discord.rateLimit(1, 1.5, "discord");
    f.hook.rateLimit(1, 3, "header");
    n.emit(...EVENTS[0].slice(0, 4) as [LogLevel, string, string, Record<string, unknown>]);
    await until(
      () => f.hook.delivered.length === 1 && f.discord.delivered.length === 1,
      5000,
      "deliveries",
    );
    assert.deepEqual([...time.waits].sort((a, b) => a - b), [1500, 3000]);
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: 500s are retried with doubling backoff, then given up", async () => {
  const f = startFakes();
  const time = fakeTime();
  const log = memoryLog();
  const n = new Notifier({
    channels: channelsFor(f).slice(0, 1),
    now: time.now,
    sleep: time.sleep,
    log,
  });
  try {
    f.tg.mode = "500";
    n.emit(...EVENTS[5].slice(0, 4) as [LogLevel, string, string, Record<string, unknown>]);
    await until(() => n.stats().telegram.failed === 1, 5000, "give-up");
    assert.equal(f.tg.sent.length, 4, "four tries");
    assert.deepEqual(time.waits, [1000, 2000, 4000]);
    const failed = log.events.find((e) => e.event === "notify.failed")!;
    assert.equal(failed.level, "error");
    assert.equal(failed.fields.attempt, 4);
    assert.equal(failed.fields.kind, "killswitch");
    assert.match(String(failed.fields.error), /^HTTP 500/);
    // a refusal that cannot pass later (401: the token) is not retried
    f.tg.mode = "ok";
    const bad = new Notifier({
      channels: [
        telegramChannel({ apiUrl: f.tg.apiUrl, token: "1:wrong", chatId: CHAT }),
      ],
      now: time.now,
      sleep: time.sleep,
    });
    bad.emit(...EVENTS[5].slice(0, 4) as [LogLevel, string, string, Record<string, unknown>]);
    await until(() => bad.stats().telegram.failed === 1, 5000, "401 failure");
    assert.equal(time.waits.length, 3, "no backoff after a 401");
    await bad.close();
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: a hung channel never blocks emit; the queue is bounded; close is bounded", async () => {
  const f = startFakes();
  const log = memoryLog();
  f.hook.mode = "hang";
  const n = new Notifier({
    channels: [
      webhookChannel({ url: f.hookUrl }),
      telegramChannel({
        apiUrl: f.tg.apiUrl,
        token: f.tg.token,
        chatId: CHAT,
      }),
    ],
    queueSize: 3,
    timeoutMs: 60_000,
    log,
  });
  try {
    for (let i = 0; i < 10; i++) {
      n.emit("info", "execution", "order.filled", { ...EVENTS[0][3], clientId: `c${i}` });
    }
    // a burst into a queue of 3 keeps the newest 3 on every channel; the healthy channel
    // is not held up by the hung one
    await until(() => f.tg.delivered.length === 3, 5000, "telegram deliveries");
    assert.deepEqual(f.tg.delivered.map((m) => /c\d/.test(m.text)), [false, false, false]);
    await until(() => f.hook.hung === 1, 5000, "the hung request");
    const s = n.stats();
    assert.equal(s.webhook.pending, 3, "one in flight, two queued");
    assert.equal(s.webhook.dropped, 7);
    assert.equal(s.telegram.dropped, 7);
    assert.equal(log.events.filter((e) => e.event === "notify.dropped").length, 2);
    const t0 = performance.now();
    const final = await n.close(200);
    const took = performance.now() - t0;
    assert.ok(took < 5000, `close took ${took} ms`);
    assert.equal(final.webhook.abandoned, 3);
    assert.equal(final.webhook.sent, 0);
    assert.equal(final.webhook.pending, 0);
    assert.equal(log.events.filter((e) => e.event === "notify.abandoned").length, 1);
    // after close: nothing taken, nothing logged
    const logged = log.events.length;
    n.emit("error", "market", "data.stale", { seconds: 70, timeout_s: 60 });
    assert.equal(n.stats().webhook.pending, 0);
    assert.equal(log.events.length, logged);
    assert.deepEqual(await n.close(), final, "close twice = the same result");
  } finally {
    await f.close();
  }
});

Deno.test("notifier: a timeout is a retryable failure; errors never show a token or URL", async () => {
  const f = startFakes();
  const time = fakeTime();
  const log = memoryLog();
  f.tg.mode = "hang";
  // a port nobody listens on: the network error names the URL, which must not show
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (dead.addr as Deno.NetAddr).port;
  dead.close();
  const deadUrl = `http://127.0.0.1:${deadPort}/api/webhooks/9/t0ken-in-url`;
  const env = {
    telegram: { apiUrl: f.tg.apiUrl, token: f.tg.token, chatId: CHAT },
    discordWebhookUrl: deadUrl,
  };
  const secrets = notifySecrets(env);
  const n = new Notifier({
    channels: [
      telegramChannel({ ...env.telegram, secrets }),
      discordChannel({ url: deadUrl, secrets }),
    ],
    timeoutMs: 100,
    maxAttempts: 2,
    sleep: time.sleep,
    log,
  });
  try {
    n.emit("error", "market", "data.stale", { seconds: 70, timeout_s: 60 });
    await until(
      () => n.stats().telegram.failed === 1 && n.stats().discord.failed === 1,
      5000,
      "both failures",
    );
    const failed = log.events.filter((e) => e.event === "notify.failed");
    const tg = failed.find((e) => e.fields.channel === "telegram")!;
    assert.equal(tg.fields.error, "no reply within 0.1 s");
    const dc = failed.find((e) => e.fields.channel === "discord")!;
    assert.match(String(dc.fields.error), /^network error: /);
    const text = JSON.stringify(log.events);
    for (const s of [f.tg.token, deadUrl, "t0ken-in-url", String(deadPort)]) {
      assert.ok(!text.includes(s), `${s} in ${text}`);
    }
  } finally {
    await n.close();
    await f.close();
  }
});

Deno.test("notifier: emit hands the sending to a later task, never to the caller's microtasks", async () => {
  let sends = 0;
  const channel: NotifyChannel = {
    name: "webhook",
    send() {
      sends++;
      return Promise.resolve({ ok: true });
    },
  };
  const n = new Notifier({ channels: [channel] });
  try {
    n.emit("error", "market", "data.stale", { seconds: 70, timeout_s: 60 });
    // the rest of the emitting candle: however many awaits of settled promises it makes
    for (let i = 0; i < 100; i++) await Promise.resolve();
    assert.equal(sends, 0, "no request made inside the caller's work");
    await until(() => sends === 1, 1000, "the send on a later task");
  } finally {
    await n.close();
  }
});
