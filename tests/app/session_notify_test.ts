import assert from "node:assert/strict";
import { createNotifier } from "../../src/app/notify/notifications.ts";
import { sessionNotifications } from "../../src/app/session/session_notifications.ts";
import { runSession, type SessionDeps } from "../../src/app/session/session_runner.ts";
import type { NotifyEnv } from "../../src/config/notify_env.ts";
import type { EventSink } from "../../src/core/events.ts";
import {
  type ChannelStats,
  type Notice,
  Notifier,
  type NotifyChannel,
} from "../../src/notify/mod.ts";
import {
  type FakeHook,
  type FakeTelegram,
  startFakeHook,
  startFakeTelegram,
} from "../fakes/fake_notify.ts";
import {
  fastMockFeed,
  QUICK_TRADES,
  readJsonl,
  type Rec,
  sessionConfig,
  tapFeed,
  tempWorkspace,
  waitFor,
} from "./_session_helpers.ts";

const CHAT = "4242";

function envFor(tg: FakeTelegram, hook: FakeHook, discord: FakeHook): NotifyEnv {
  return {
    telegram: { apiUrl: tg.apiUrl, token: tg.token, chatId: CHAT },
    webhookUrl: `${hook.url}/hook/s3cr3t`,
    discordWebhookUrl: `${discord.url}/api/webhooks/1/t0k`,
  };
}

/** Candle-to-order latencies of one paper session, ms, with what the notifier had done. */
interface Measured {
  readonly latencies: number[];
  readonly orders: Rec[];
  readonly trades: number;
  readonly exitCode: number;
  /** The notifier's stats when the session logged run.stopped (before its close). */
  readonly atStop: Record<string, ChannelStats> | null;
  /** Its stats after the session's bounded close. */
  readonly final: Record<string, ChannelStats> | null;
  /** Time the session's close took, from run.stopped to runSession's return, ms. */
  readonly closeMs: number;
}

/**
 * One paper session on fixed candles; the time each live candle is handed to the session
 * and the time each order for it is placed are taken on the same monotonic clock.
 */
async function measuredSession(notifier: Notifier | null): Promise<Measured> {
  const ws = await tempWorkspace();
  try {
    // small risk per trade: the day's loss budget lasts all the candles (more orders)
    const config = sessionConfig(ws, [...QUICK_TRADES, "--risk-pct", "0.02"]);
    const handed = new Map<number, number>();
    const latencies: number[] = [];
    const orders: Rec[] = [];
    let atStop: Record<string, ChannelStats> | null = null;
    let stoppedAt = 0;
    const feed = tapFeed(fastMockFeed(config, { maxLive: 1000 }), (fc) => {
      if (fc.live) handed.set(fc.candle.ts, performance.now());
    });
    const probe: EventSink & { close(): Promise<unknown> } = {
      emit(level, component, event, fields = {}) {
        if (event === "order.placed") {
          const t0 = handed.get(fields.candleTs as number);
          if (t0 !== undefined) latencies.push(performance.now() - t0);
          orders.push({ ...fields });
        }
        if (event === "run.stopped") {
          atStop = notifier?.stats() ?? null;
          stoppedAt = performance.now();
        }
        notifier?.emit(level, component, event, fields);
      },
      close: () => notifier?.close() ?? Promise.resolve(),
    };
    const result = await runSession(config, { feed, notifier: probe, print: () => {} });
    const closeMs = performance.now() - stoppedAt;
    const trades = result.trades;
    return {
      latencies,
      orders: orders.map((o) => ({ candleTs: o.candleTs, side: o.side, intent: o.intent })),
      trades,
      exitCode: result.exitCode,
      atStop,
      final: notifier ? await notifier.close() : null,
      closeMs,
    };
  } finally {
    await ws.cleanup();
  }
}

/** The `q` quantile of `ms` (nearest rank). */
function quantile(ms: readonly number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Median, p95 and max of each run's latencies, and the median of each over the runs. */
function summary(runs: readonly Measured[]): string {
  const per = runs.map((r) => [0.5, 0.95, 1].map((q) => quantile(r.latencies, q)));
  const mid = (i: number) => quantile(per.map((p) => p[i]), 0.5).toFixed(2);
  const each = (i: number) => per.map((p) => p[i].toFixed(2)).join("/");
  return `median ${mid(0)} ms, p95 ${mid(1)} ms, max ${mid(2)} ms ` +
    `(each run: median ${each(0)}, p95 ${each(1)}, max ${each(2)} ms; n=${
      runs[0].latencies.length
    })`;
}

/** Runs measured of each kind, interleaved (baseline, hung, baseline, ...). */
const RUNS = 3;

Deno.test("a hung or failing notifier delays nothing in a paper session", async () => {
  const tg = startFakeTelegram();
  const hook = startFakeHook();
  const discord = startFakeHook();
  try {
    tg.mode = "500";
    hook.mode = "hang";
    discord.mode = "hang";
    const baselines: Measured[] = [];
    const hungs: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      baselines.push(await measuredSession(null));
      // a request timeout far beyond the whole session: a candle that waited on a send
      // would wait for it; the flush at shutdown is bounded to 300 ms
      const notifier = createNotifier({
        env: envFor(tg, hook, discord),
        label: "paper BTCUSDT",
        options: { timeoutMs: 3_600_000, flushMs: 300 },
      })!;
      hungs.push(await measuredSession(notifier));
    }
    console.log(
      `candle-to-order latency over ${RUNS} interleaved runs of each, median of the runs:`,
    );
    console.log(`  no notifier:    ${summary(baselines)}`);
    console.log(`  hung notifier:  ${summary(hungs)}`);
    const closes = hungs.map((h) => h.closeMs);
    console.log(
      `close with the hung notifier: median ${quantile(closes, 0.5).toFixed(0)} ms (each run: ${
        closes.map((c) => c.toFixed(0)).join("/")
      } ms; flush bound 300 ms)`,
    );
    for (let i = 0; i < RUNS; i++) checkRun(baselines[i], hungs[i], hook, discord);
  } finally {
    await tg.close();
    await hook.close();
    await discord.close();
  }
});

/** One baseline run and the hung run after it made the same decisions, none held up. */
function checkRun(baseline: Measured, hung: Measured, hook: FakeHook, discord: FakeHook): void {
  // the same decisions, every one of them, with and without the notifier
  assert.equal(baseline.exitCode, 0);
  assert.equal(hung.exitCode, 0);
  assert.ok(baseline.orders.length > 5, `${baseline.orders.length} orders`);
  assert.deepEqual(hung.orders, baseline.orders);
  assert.equal(hung.trades, baseline.trades);
  assert.equal(hung.latencies.length, baseline.latencies.length);
  // the session got through every candle and its whole stop path while the webhook and
  // Discord had not answered one request (they never do), so no candle waited on them
  const stop = hung.atStop!;
  assert.ok(hook.hung >= 1 && discord.hung >= 1, "requests were held");
  assert.equal(stop.webhook.sent, 0);
  assert.equal(stop.discord.sent, 0);
  assert.ok(stop.webhook.pending > 0 && stop.discord.pending > 0, JSON.stringify(stop));
  assert.equal(stop.telegram.sent, 0, "Telegram answered 500 only");
  // then the bounded flush gave up on them
  const final = hung.final!;
  for (const ch of ["telegram", "webhook", "discord"]) {
    assert.equal(final[ch].pending, 0, ch);
    assert.ok(final[ch].abandoned + final[ch].dropped + final[ch].failed > 0, ch);
  }
  assert.ok(hung.closeMs < 10_000, `close took ${hung.closeMs} ms`);
}

/** A channel that keeps what it is sent. */
function memoryChannel(): NotifyChannel & { notices: Notice[] } {
  const notices: Notice[] = [];
  return {
    name: "webhook",
    notices,
    send(n) {
      notices.push(n);
      return Promise.resolve({ ok: true });
    },
  };
}

Deno.test("a paper session's own events arrive at every channel", async () => {
  const tg = startFakeTelegram();
  const hook = startFakeHook();
  const discord = startFakeHook();
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, [...QUICK_TRADES, "--dashboard"]);
    // as a session command wires it (without the Telegram commands)
    const notifier = sessionNotifications(config, {
      env: envFor(tg, hook, discord),
      section: { telegram_commands: false },
    })!;
    const onDashboard: Rec[] = [];
    const result = await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 120 }),
      notifier,
      startDashboard: (model) => {
        model.subscribe((u) => {
          if (u.type === "log") onDashboard.push(u.record);
        });
        return Promise.resolve({ url: "http://127.0.0.1:0/", close: () => Promise.resolve() });
      },
      print: () => {},
    });
    assert.equal(result.exitCode, 0);
    const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const fills = system.filter((e) => e.event === "order.filled");
    const entries = fills.filter((e) => e.reason === "entry");
    assert.ok(entries.length > 0 && fills.length > entries.length, "entries and exits");
    const texts = tg.delivered.map((m) => m.text);
    assert.match(texts[0], /^\[paper BTCUSDT\] Session started\npaper BTCUSDT 1m ema-cross$/);
    assert.match(texts.at(-1)!, /^\[paper BTCUSDT\] Session stopped \(feed-ended\)\n\d+ trades/);
    assert.equal(texts.filter((t) => /Entry filled/.test(t)).length, entries.length);
    assert.equal(texts.filter((t) => /Exit filled/.test(t)).length, fills.length - entries.length);
    // each fill message carries the fill's own numbers
    const firstEntry = texts.find((t) => /Entry filled/.test(t))!;
    const e0 = entries[0];
    assert.ok(firstEntry.includes(`${e0.side} ${Number(e0.qty.toFixed(8))} at`), firstEntry);
    assert.match(firstEntry, /latency \d+\.\d{3} s/);
    const exitMsgs = hook.delivered.filter((r) => r.body.kind === "exit");
    assert.ok(exitMsgs.every((r) => typeof r.body.fields.pnl === "number"), "pnl on exits");
    assert.equal(hook.delivered.length, tg.delivered.length);
    assert.equal(discord.delivered.length, tg.delivered.length);
    // what the notifier did is in the session's log (sent before the log closed)
    const sent = readJsonl(`${ws.dir}/logs/system.jsonl`).filter((e) => e.event === "notify.sent");
    assert.equal(sent.length, 3 * tg.delivered.length);
    assert.ok(sent.every((e) => e.component === "notify" && typeof e.from_event === "string"));
    // and only there: not in the run's events, not on the dashboard
    const events = readJsonl(`${result.runDir}/events.jsonl`);
    assert.ok(events.some((e) => e.event === "order.filled"), "the run's events were read");
    assert.deepEqual(events.filter((e) => e.component === "notify"), []);
    assert.ok(onDashboard.some((e) => e.event === "order.filled"), "the dashboard got the log");
    assert.deepEqual(onDashboard.filter((e) => e.component === "notify"), []);
  } finally {
    await ws.cleanup();
    await tg.close();
    await hook.close();
    await discord.close();
  }
});

Deno.test("session: daily summary at a UTC day's end; risk state changes", async (t) => {
  await t.step("1h candles across midnight: one summary of 2024-03-01", async () => {
    const ws = await tempWorkspace();
    try {
      const config = sessionConfig(ws, [...QUICK_TRADES, "--interval", "1h"]);
      const ch = memoryChannel();
      const notifier = new Notifier({ channels: [ch] });
      await runSession(config, {
        feed: fastMockFeed(config, { maxLive: 30 }),
        notifier,
        print: () => {},
      });
      const days = ch.notices.filter((n) => n.kind === "daily_summary");
      assert.equal(days.length, 1);
      const state = JSON.parse(await Deno.readTextFile(config.statePath));
      const dayEnd = Date.UTC(2024, 2, 2);
      const closed = state.trades.filter((x: { exitTs: number }) =>
        x.exitTs >= Date.UTC(2024, 2, 1) && x.exitTs < dayEnd
      );
      const f = days[0].fields;
      assert.equal(f.day, "2024-03-01");
      assert.equal(f.trades, closed.length);
      const pnl = closed.reduce((s: number, x: { pnl: number }) => s + x.pnl, 0);
      assert.ok(Math.abs((f.pnl as number) - pnl) < 1e-6);
      assert.equal(typeof f.equity, "number");
      assert.match(days[0].title, /^Daily summary 2024-03-01$/);
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      assert.equal(system.filter((e) => e.event === "session.daily_summary").length, 1);
    } finally {
      await ws.cleanup();
    }
  });

  await t.step("a restart after the day's limit was reached: REDUCING, told once", async () => {
    const ws = await tempWorkspace();
    try {
      const config = sessionConfig(ws, [...QUICK_TRADES, "--max-daily-loss", "5"]);
      await runSession(config, { feed: fastMockFeed(config, { maxLive: 20 }), print: () => {} });
      // the saved day says the limit was reached (as a crash right after it would leave it)
      const state = JSON.parse(await Deno.readTextFile(config.statePath));
      state.risk = { ...state.risk, lastEquity: state.risk.dayStartEquity - 5, latched: true };
      state.run.ended = false;
      await Deno.writeTextFile(config.statePath, JSON.stringify(state));
      const ch = memoryChannel();
      const notifier = new Notifier({ channels: [ch] });
      await runSession(config, {
        feed: fastMockFeed(config, { maxLive: 60 }),
        notifier,
        print: () => {},
      });
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      const changes = system.filter((e) => e.event === "risk.state_changed");
      assert.equal(changes.length >= 1, true, "the gate changed state");
      assert.deepEqual([changes[0].from, changes[0].to], ["active", "reducing"]);
      assert.equal(changes[0].reason, "daily loss limit reached");
      assert.equal(changes[0].limit, 5);
      assert.equal(changes[0].level, "warn");
      const risk = ch.notices.filter((n) => n.kind === "risk_state");
      assert.equal(risk.length, 1, "the stop's halt is not told as a risk state");
      assert.match(risk[0].title, /REDUCING: daily loss limit reached/);
      assert.match(risk[0].text, /^loss \d+\.\d\d of the 5\.00 USD daily limit: no new entries/);
    } finally {
      await ws.cleanup();
    }
  });
});

Deno.test("a stop during a candle: its halt is logged with shutdown: true, not told", async () => {
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, [...QUICK_TRADES]);
    const ch = memoryChannel();
    const notifier = new Notifier({ channels: [ch] });
    const stop = new AbortController();
    let steps = 0;
    // the stop arrives while a live candle is in the pipeline (at one of its step records)
    const probe: EventSink & { close(): Promise<unknown> } = {
      emit(level, component, event, fields) {
        if (event === "agent.step" && ++steps === 40) stop.abort();
        notifier.emit(level, component, event, fields);
      },
      close: () => notifier.close(),
    };
    const result = await runSession(config, {
      feed: fastMockFeed(config, { maxLive: 100 }),
      notifier: probe,
      stop: stop.signal,
      print: () => {},
    });
    assert.equal(result.reason, "signal");
    const changes = readJsonl(`${ws.dir}/logs/system.jsonl`).filter((e) =>
      e.event === "risk.state_changed"
    );
    assert.deepEqual(
      changes.map((e) => [e.from, e.to, e.reason, e.shutdown, e.level]),
      [["active", "halted", "shutdown: signal", true, "info"]],
    );
    assert.deepEqual(ch.notices.filter((n) => n.kind === "risk_state"), []);
    assert.equal(ch.notices.at(-1)?.title, "Session stopped (signal)");
  } finally {
    await ws.cleanup();
  }
});

Deno.test("Telegram /kill trips the session's kill switch; from another chat nothing happens", async () => {
  const tg = startFakeTelegram({ maxHoldMs: 100 });
  const ws = await tempWorkspace();
  try {
    const config = sessionConfig(ws, [...QUICK_TRADES]);
    const notifications = sessionNotifications(config, {
      env: { telegram: { apiUrl: tg.apiUrl, token: tg.token, chatId: CHAT } },
      commands: { pollTimeoutS: 1 },
    })!;
    const lines: string[] = [];
    const stop = new AbortController();
    // a slow feed: the session runs until it is stopped
    const feed = tapFeed(fastMockFeed(config, { maxLive: 100_000 }), async (fc) => {
      if (fc.live) await new Promise((r) => setTimeout(r, 5));
    });
    const deps: SessionDeps = {
      feed,
      stop: stop.signal,
      notifier: notifications,
      print: (l) => lines.push(l),
    };
    const running = runSession(config, deps);
    const system = () => readJsonl(`${ws.dir}/logs/system.jsonl`);
    const killFile = () => Deno.readTextFileSync(ws.killSwitch).trim();
    try {
      await waitFor(() => tg.polls.length > 0 && lines.length > 0, 10_000, "the poller");

      // another chat: ignored, logged in the session's log, the switch untouched
      tg.pushMessage(999, "/kill");
      await waitFor(
        () => system().some((e) => e.event === "notify.command_ignored"),
        10_000,
        "the ignored command",
      );
      const ignored = system().find((e) => e.event === "notify.command_ignored")!;
      assert.equal(ignored.reason, "another chat");
      assert.equal(ignored.chat_id, 999);
      await new Promise((r) => setTimeout(r, 700)); // longer than the watcher's poll
      assert.equal(killFile(), "FALSE");
      assert.ok(!lines.some((l) => l.includes("KILL SWITCH DETECTED!")));
      assert.equal(system().filter((e) => e.event === "killswitch.tripped").length, 0);

      // the configured chat: /status answers, /kill trips the very file the session watches
      tg.pushMessage(Number(CHAT), "/status");
      await waitFor(() => tg.delivered.some((m) => m.text.includes("/status")), 10_000, "status");
      const status = tg.delivered.find((m) => m.text.includes("/status"))!.text;
      assert.match(status, /mode live-session \(paper\) \| BTCUSDT/);
      assert.match(status, /kill switch: off/);
      tg.pushMessage(Number(CHAT), "/kill");
      await waitFor(
        () => lines.some((l) => l.includes("KILL SWITCH DETECTED!")),
        10_000,
        "KILL SWITCH DETECTED!",
      );
      assert.equal(killFile(), "TRUE");
      const tripped = system().filter((e) => e.event === "killswitch.tripped");
      assert.equal(tripped.length, 1);
      assert.equal(tripped[0].message, "KILL SWITCH DETECTED!");
      assert.ok(
        system().some((e) => e.event === "notify.command_received" && e.command === "kill"),
      );
      await waitFor(
        () =>
          tg.delivered.some((m) => /KILL SWITCH TRIPPED: wrote TRUE to /.test(m.text)) &&
          tg.delivered.some((m) => /Kill switch tripped\nKILL SWITCH DETECTED!/.test(m.text)),
        10_000,
        "the reply and the trip message",
      );
      const reply = tg.delivered.find((m) => /KILL SWITCH TRIPPED/.test(m.text))!.text;
      assert.ok(reply.includes(ws.killSwitch), reply);
      assert.ok(tg.delivered.every((m) => m.chat_id === CHAT));
    } finally {
      stop.abort();
    }
    const result = await running;
    assert.equal(result.exitCode, 0);
    const log = system();
    const trippedAt = log.find((e) => e.event === "killswitch.tripped")!.ts;
    const entriesAfter = log.filter((e) =>
      e.event === "order.placed" && e.intent === "entry" && e.ts > trippedAt
    );
    assert.deepEqual(entriesAfter, [], "no entry after the trip");
    assert.ok(!JSON.stringify(system()).includes(tg.token), "no token in the log");
  } finally {
    await ws.cleanup();
    await tg.close();
  }
});
