import { HARD_LIMITS } from "../../core/hard_limits.ts";
import { formatFlagHelp } from "../../config/argv.ts";
import { loadBitunixEnv } from "../../config/env.ts";
import {
  resolveSessionConfig,
  SESSION_FLAGS,
  type SessionConfig,
} from "../../config/session_config.ts";
import { InputError } from "../../core/errors.ts";
import { MockLiveFeed } from "../../data/mock_live_feed.ts";
import {
  BitunixExchange,
  BitunixKlineFeed,
  BitunixPollingFeed,
  BitunixRestClient,
} from "../../exchange/bitunix/mod.ts";
import { intentOfClientId } from "../../engine/client_id.ts";
import { fillEventFields } from "../../engine/pipeline.ts";
import {
  liveJournal,
  liveJournalPath,
  saveLiveJournal,
  sessionClientIdPrefix,
  sessionKeyOf,
  unfinishedSession,
} from "./live_journal.ts";
import { reconcileOnStart } from "./reconcile.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags, strategiesHelp } from "../_flags.ts";
import { startDashboardServer } from "../supervise/dashboard.ts";
import type { EventSink } from "../../core/events.ts";
import type { BitunixFeedCounters } from "../../exchange/bitunix/kline_feed.ts";
import { RelaySink } from "../../ops/relay_sink.ts";
import { loadNotifyEnv } from "../../config/notify_env.ts";
import { describeChannels } from "../notify/notifications.ts";
import { sessionNotifications } from "./session_notifications.ts";
import { runSession, type SessionDeps, type SessionFeed } from "./session_runner.ts";

/** Names of the variables that hold credentials; paper sessions never read them. */
const CREDENTIALS = new Set(["BITUNIX_API_KEY", "BITUNIX_API_SECRET"]);

/** Builds the market feed a session config asks for. */
export function buildFeed(
  config: SessionConfig,
  client: BitunixRestClient | null,
  wsUrl: string,
  events?: EventSink,
): SessionFeed & { readonly counters?: BitunixFeedCounters } {
  if (config.source === "mock") {
    return new MockLiveFeed({
      interval: config.interval,
      seed: config.seed,
      warmup: config.warmup,
      speed: config.speed,
    });
  }
  const opts = {
    client: client!,
    symbol: config.symbol,
    interval: config.interval,
    warmup: config.warmup,
    events,
  };
  return config.useWebSocket
    ? new BitunixKlineFeed({ ...opts, wsUrl })
    : new BitunixPollingFeed(opts);
}

/**
 * The start-up check of a live session: reconciles the venue with the live journal and
 * refuses on a mismatch it cannot explain; reports fills of orders a crashed process sent
 * but never read back; saves the reconciled journal; returns the venue's position, which
 * the session adopts.
 */
export function liveStartCheck(
  config: SessionConfig,
  exchange: BitunixExchange,
): NonNullable<SessionDeps["beforeTrading"]> {
  return async (sink) => {
    const journal = liveJournal(config);
    const result = await reconcileOnStart({ exchange, symbol: config.symbol, journal });
    sink.emit(
      result.status === "mismatch" ? "error" : "info",
      "execution",
      "reconcile.finished",
      { status: result.status, findings: result.findings },
    );
    if (result.status === "mismatch") {
      throw new Error(
        `Refusing to trade: the exchange does not match the journal: ${result.findings.join("; ")}`,
      );
    }
    // Fills of orders sent before a crash that no run reported (the process died before
    // draining them): report them now, then save the reconciled state so the next start
    // does not report them again. A session that goes on books them itself, from where
    // its reading of the venue's trades had got to.
    const stillOpen = new Set(result.openOrders.map((o) => o.clientId));
    const goesOn = unfinishedSession(journal, config) !== null;
    for (const id of journal.openClientIds.filter((x) => !stillOpen.has(x) && !goesOn)) {
      const intent = intentOfClientId(id);
      if (intent === null) continue;
      for (const f of await exchange.fillsOfOrder(config.symbol, id, intent)) {
        sink.emit("info", "execution", "order.filled", {
          ...fillEventFields(f),
          recovered: true,
        });
      }
    }
    const p = result.position;
    saveLiveJournal(liveJournalPath(config), {
      version: 1,
      savedAt: Date.now(),
      position: p ? { side: p.side, qty: p.qty, entryPrice: p.entryPrice } : null,
      openClientIds: [...stillOpen].filter((x) => x.startsWith(journal.clientIdPrefix)),
      clientIdPrefix: journal.clientIdPrefix,
      risk: journal.risk,
      session: journal.session,
    });
    return p
      ? { side: p.side, qty: p.qty, entryPrice: p.entryPrice, unrealizedPnl: p.unrealizedPnl }
      : null;
  };
}

/** What a live session knows before it asks for confirmation. */
interface LiveReady {
  readonly exchange: BitunixExchange;
  /** The smaller of the account's equity and --start-equity. */
  readonly sizingEquity: number;
  readonly minQty: number;
  /** What is about to happen, shown before the confirmation. */
  readonly summary: string;
}

/**
 * Reads the account and the contract before any order: refuses (returns the reason) an
 * account in hedge mode or without equity, and says what the session is about to do.
 */
async function prepareLive(
  config: SessionConfig,
  client: BitunixRestClient,
): Promise<LiveReady | string> {
  // a session that was killed goes on reading the venue's trades where it had got to
  const unfinished = unfinishedSession(liveJournal(config), config);
  const exchange = new BitunixExchange(client, {
    symbol: config.symbol,
    clientIdPrefix: sessionClientIdPrefix(sessionKeyOf(config)),
    resumeFrom: unfinished?.fills,
  });
  const account = await client.account();
  const positions = await client.pendingPositions();
  const hedge = account.positionMode?.toUpperCase() === "HEDGE" ||
    positions.some((p) => p.positionMode?.toUpperCase() === "HEDGE");
  if (hedge) {
    return "Refusing to trade: the Bitunix account is in HEDGE position mode; this agent " +
      "trades one net position per symbol. Switch the account to ONE_WAY (with no open " +
      "positions or orders) and start again.";
  }
  const accountEquity = account.available + account.frozen + account.margin +
    account.unrealizedPnl;
  if (!(accountEquity > 0)) {
    return `Refusing to trade: the ${account.marginCoin} futures account holds no equity.`;
  }
  const info = await exchange.symbolInfo(config.symbol);
  // size from the real account, never from a default: the smaller of the account's
  // equity and --start-equity (which caps the capital the agent may use)
  const sizingEquity = Math.min(accountEquity, config.params.startEquity);
  const p = config.params;
  const strategyParams = Object.entries(config.strategyParams).map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const summary = [
    "LIVE trading with REAL MONEY on Bitunix:",
    `  source      bitunix ${config.useWebSocket ? "WebSocket" : "REST polling"} candles, ` +
    `${config.symbol} ${config.interval}`,
    `  equity      ${accountEquity.toFixed(2)} ${account.marginCoin} in the account; sizing ` +
    `from ${sizingEquity.toFixed(2)} (the smaller of it and --start-equity)`,
    `  risk        ${p.riskPct}% of equity per trade (${
      (sizingEquity * p.riskPct / 100).toFixed(2)
    } ${account.marginCoin} at a ${p.stopBps} bps stop), take-profit ${p.tpR}R`,
    `  leverage    at most ${p.maxLeverage}x; hard limits ${
      HARD_LIMITS.maxPositionUsd.toLocaleString("en-US")
    } USD position, ${
      config.params.limits?.maxDailyLossUsd ?? HARD_LIMITS.maxDailyLossUsd
    } USD daily loss, ${HARD_LIMITS.maxLeverage}x`,
    `  strategy    ${config.strategy}${strategyParams ? ` (${strategyParams})` : ""}${
      config.strategyFile ? ` from ${config.strategyFile}` : ""
    }`,
    `  minimum     ${info.minQty} ${config.symbol} per order`,
  ].join("\n");
  return { exchange, sizingEquity, minQty: info.minQty, summary };
}

/** Reads a line typed at the terminal (null at end of input). */
async function promptLine(question: string): Promise<string | null> {
  await Deno.stderr.write(new TextEncoder().encode(question));
  const buf = new Uint8Array(256);
  const n = await Deno.stdin.read(buf);
  return n === null ? null : new TextDecoder().decode(buf.subarray(0, n)).trim();
}

/** Runs `--mode live-session` or the legacy `--mode live` from argv. */
export async function runSessionCommand(
  argv: string[],
  mode: SessionConfig["mode"],
): Promise<number> {
  const { flags, notify } = await parseCommandFlags(argv, SESSION_FLAGS);
  const config = resolveSessionConfig(flags, mode, notice);
  // notification channels are read (and refused when malformed) before anything starts
  const notifyEnv = loadNotifyEnv();
  const live = config.executionMode === "live";
  const env = loadBitunixEnv(
    live
      ? {}
      : { getEnv: (k) => CREDENTIALS.has(k) ? undefined : Deno.env.get(k), useEnvFile: false },
  );
  const deps: { -readonly [K in keyof SessionDeps]?: SessionDeps[K] } = {};
  let client: BitunixRestClient | null = null;
  const relay = new RelaySink();

  if (live && (!env.apiKey || !env.apiSecret)) {
    throw new InputError(
      "credentials",
      "BITUNIX_API_KEY and BITUNIX_API_SECRET in the environment or .env for live trading",
    );
  }
  if (config.preflight) {
    if (config.source !== "bitunix" && !live) {
      console.error("Notice: --preflight checks Bitunix; skipped for the mock feed.");
    } else {
      const { runPreflight } = await import("./preflight.ts");
      const result = await runPreflight({ env, symbol: config.symbol, interval: config.interval });
      for (const line of result.lines) console.error(line);
      if (!result.ok) {
        console.error("Preflight failed: not starting the session.");
        return 1;
      }
    }
  }
  if (config.source === "bitunix" || live) {
    client = new BitunixRestClient({
      baseUrl: env.baseUrl,
      apiKey: live ? env.apiKey : undefined,
      apiSecret: live ? env.apiSecret : undefined,
      events: relay,
    });
  }
  if (live) {
    const ready = await prepareLive(config, client!);
    if (typeof ready === "string") {
      console.error(ready);
      return 1;
    }
    const { confirmLiveTrading } = await import("./live_confirm.ts");
    console.error(ready.summary);
    const confirmed = await confirmLiveTrading({
      env: { SKIP_LIVE_CONFIRM: Deno.env.get("SKIP_LIVE_CONFIRM") },
      isTerminal: Deno.stdin.isTerminal(),
      prompt: promptLine,
    });
    if (!confirmed.ok) {
      console.error(confirmed.reason);
      return 1;
    }
    const exchange = ready.exchange;
    deps.liveExchange = exchange;
    deps.startEquity = ready.sizingEquity;
    deps.minQty = ready.minQty;
    deps.beforeTrading = liveStartCheck(config, exchange);
    deps.fillCursor = () => exchange.cursor();
  }
  const stop = new AbortController();
  const onSignal = () => {
    console.error("Stopping: no new orders; cancelling working orders and saving state...");
    stop.abort();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const feed = buildFeed(config, client, env.wsUrl, relay);
  // the notifier's own events (failures, commands) go to the session's system log only
  const notifications = sessionNotifications(config, { env: notifyEnv, section: notify });
  if (notifications) console.error(describeChannels(notifyEnv, notify));
  try {
    const result = await runSession(config, {
      ...deps,
      feed,
      ...(notifications ? { notifier: notifications } : {}),
      stop: stop.signal,
      // retries, schema failures, disconnects and replays go to the session's logs
      connectEvents: (sink) => relay.connect(sink),
      venueCounters: () => ({ ...client?.counters, ...feed.counters }),
      startDashboard: (readModel) =>
        startDashboardServer({
          port: config.port,
          host: "127.0.0.1",
          readModel,
          runsDir: config.runsDir,
          logsDir: config.logsDir,
          killSwitchPath: config.killSwitchPath,
        }),
    });
    return result.exitCode;
  } finally {
    // the session closed it (bounded); this only covers a start that failed before that
    await notifications?.close();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

async function sessionHelp(
  mode: SessionConfig["mode"],
  argv: readonly string[] = [],
): Promise<string> {
  const intro = mode === "live-session"
    ? [
      "Usage: laptop-agents --mode live-session --source mock|bitunix --execution-mode paper|live [flags]",
      "",
      "Trades live candles through the same engine as the backtester. Paper fills follow the",
      "backtest's fill model and never read credentials; live sends Bitunix orders with",
      "exchange-side stop-loss and take-profit and needs typed confirmation unless",
      "SKIP_LIVE_CONFIRM=TRUE. Writes runs/<id>/ like a backtest.",
    ]
    : [
      "Usage: laptop-agents --mode live [flags]",
      "",
      "The legacy paper loop: writes paper/events.jsonl, paper/trades.csv, paper/state.json",
      "and paper/mvp.pid (removed on exit), and resumes from paper/state.json.",
    ];
  return [
    ...intro,
    "",
    "Flags:",
    formatFlagHelp(SESSION_FLAGS),
    "",
    ...await strategiesHelp(argv),
  ].join("\n");
}

/** `--mode live-session`. */
export const command: Command = {
  name: "live-session",
  summary: "paper or live trading session on mock or Bitunix candles (--execution-mode)",
  help: (argv) => sessionHelp("live-session", argv),
  run: (argv) => runSessionCommand(argv, "live-session"),
};

/** `--mode live`: the legacy paper loop writing paper/. */
export const legacyCommand: Command = {
  name: "live",
  summary: "legacy paper loop writing paper/ (events, trades, state, mvp.pid)",
  help: (argv) => sessionHelp("live", argv),
  run: (argv) => runSessionCommand(argv, "live"),
};
