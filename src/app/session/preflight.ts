/**
 * `preflight`: read-only checks that the Bitunix venue, the credentials and the symbol
 * are ready for live trading. One line per check, `PASS <check>: <detail>` or
 * `FAIL <check>: <reason>`; exit code 0 only when every check passes.
 */
import { z } from "zod";
import type { Command } from "../command.ts";
import { type FlagSpec, formatFlagHelp, numberFlag, parseFlags } from "../../config/argv.ts";
import { type BitunixEnv, loadBitunixEnv, redactText } from "../../config/env.ts";
import { bucketStart, type Interval, INTERVAL_MS, INTERVALS } from "../../core/candle.ts";
import { HARD_LIMITS } from "../../core/hard_limits.ts";
import { BitunixRestClient } from "../../exchange/bitunix/rest_client.ts";
import { BitunixWsClient } from "../../exchange/bitunix/ws_client.ts";
import type { SymbolInfo } from "../../exchange/bitunix/types.ts";

/** Options of `runPreflight`. */
export interface PreflightOptions {
  readonly env: BitunixEnv;
  readonly symbol?: string;
  readonly interval?: Interval;
  /** Per-request and WS timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Largest accepted |server - local| clock difference (default 5 s). */
  readonly maxSkewMs?: number;
  readonly now?: () => number;
  /** Retry attempts of each REST call (default 2, so preflight answers quickly). */
  readonly maxAttempts?: number;
}

/** Outcome of the checks. */
export interface PreflightResult {
  readonly ok: boolean;
  readonly lines: string[];
}

/**
 * Runs every check and never throws for venue or credential problems: each becomes a
 * FAIL line. Lines never contain the API secret.
 */
export async function runPreflight(opts: PreflightOptions): Promise<PreflightResult> {
  const { env } = opts;
  const symbol = opts.symbol ?? "BTCUSDT";
  const interval = opts.interval ?? "1m";
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxSkewMs = opts.maxSkewMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const lines: string[] = [];
  let ok = true;
  const secrets = [env.apiSecret];
  const pass = (check: string, detail: string) =>
    lines.push(redactText(`PASS ${check}: ${detail}`, secrets));
  const fail = (check: string, reason: string) => {
    ok = false;
    lines.push(redactText(`FAIL ${check}: ${reason}`, secrets));
  };
  const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const client = new BitunixRestClient({
    baseUrl: env.baseUrl,
    apiKey: env.apiKey,
    apiSecret: env.apiSecret,
    timeoutMs,
    now,
    retry: { maxAttempts: opts.maxAttempts ?? 2, baseDelayMs: 200 },
  });

  // 1. REST reachable, symbol rules.
  let info: SymbolInfo | undefined;
  let restOk = false;
  try {
    const pairs = await client.tradingPairs([symbol]);
    restOk = true;
    pass(
      "rest",
      `${env.baseUrl} answered in ${Math.round(client.lastResponse?.latencyMs ?? 0)} ms`,
    );
    info = pairs.find((p) => p.symbol === symbol);
    if (!info) fail("symbol", `${symbol} is not listed by trading_pairs`);
    else if (info.status !== "OPEN") fail("symbol", `${symbol} status is ${info.status}, not OPEN`);
    else if (!info.apiSupported) {
      fail("symbol", `${symbol} takes no API orders (trading_pairs isApiSupported false)`);
    } else pass("symbol", `${symbol} listed, status OPEN, API trading supported`);
  } catch (e) {
    fail("rest", `${env.baseUrl} unreachable: ${msg(e)}`);
    fail("symbol", "not checked (REST unreachable)");
  }
  if (info) {
    pass(
      "precision",
      `minQty ${info.minQty}, qtyStep ${info.qtyStep}, tickSize ${info.tickSize}, maxLeverage ${info.maxLeverage}x`,
    );
  } else fail("precision", "not checked (symbol unavailable)");

  // 2. Clock skew: HTTP Date header (1 s resolution) and the newest kline's open time.
  if (restOk) {
    try {
      const iv = INTERVAL_MS[interval];
      const bars = await client.klines({ symbol, interval, limit: 2 });
      const res = client.lastResponse;
      const local = now();
      const parts: string[] = [];
      let skew: number | undefined;
      if (res?.serverDate !== undefined) {
        // The Date header is truncated to the second: allow for that half-second.
        skew = res.serverDate + 500 - (res.receivedAt - (res.latencyMs / 2));
        parts.push(`Date header ${skew >= 0 ? "+" : ""}${Math.round(skew)} ms`);
      }
      const newest = bars.at(-1);
      if (newest) {
        const barLag = bucketStart(local, iv) - newest.ts;
        parts.push(`newest ${interval} bar opened ${Math.round((local - newest.ts) / 1000)} s ago`);
        if (barLag > iv) {
          fail(
            "klines",
            `newest ${interval} bar is ${Math.round(barLag / iv)} bars old (stale data)`,
          );
        } else {pass(
            "klines",
            `${symbol} ${interval} fresh (newest bar ${new Date(newest.ts).toISOString()})`,
          );}
      } else if (info) fail("klines", `no ${interval} klines for ${symbol}`);
      if (skew === undefined) fail("clock", "server time unknown (no Date header)");
      else if (Math.abs(skew) > maxSkewMs) {
        fail(
          "clock",
          `local clock differs from server by ${Math.round(skew)} ms (limit ${maxSkewMs} ms); ` +
            "signed REST calls correct for it, the WebSocket login and the candle clock do " +
            "not: set the system clock",
        );
      } else pass("clock", `skew within ${maxSkewMs} ms (${parts.join(", ")})`);
    } catch (e) {
      fail("klines", msg(e));
      fail("clock", "not checked (klines failed)");
    }
  } else {
    fail("klines", "not checked (REST unreachable)");
    fail("clock", "not checked (REST unreachable)");
  }

  // 3. WebSocket reachable: connect and JSON ping/pong.
  const ws = new BitunixWsClient({
    baseUrl: env.wsUrl,
    kind: "public",
    pongTimeoutMs: timeoutMs,
    pingIntervalMs: 60_000,
    reconnectBaseMs: 60_000,
    now,
  });
  try {
    const started = performance.now();
    ws.start();
    const ready = await Promise.race([
      ws.waitReady(),
      new Promise<false>((r) => {
        const t = setTimeout(() => r(false), timeoutMs);
        ws.waitReady().then(() => clearTimeout(t));
      }),
    ]);
    if (!ready) fail("websocket", `${ws.url} did not connect within ${timeoutMs} ms`);
    else {
      const connectMs = performance.now() - started;
      const rtt = await ws.ping();
      pass(
        "websocket",
        `${ws.url} connected in ${Math.round(connectMs)} ms, ping/pong ${Math.round(rtt)} ms`,
      );
    }
  } catch (e) {
    fail("websocket", `${ws.url}: ${msg(e)}`);
  } finally {
    await ws.close();
  }

  // 4. Credentials and account state.
  const creds = env.apiKey && env.apiSecret;
  if (!creds) {
    const missing = [!env.apiKey && "BITUNIX_API_KEY", !env.apiSecret && "BITUNIX_API_SECRET"]
      .filter(Boolean).join(" and ");
    fail("credentials", `${missing} not set (environment or .env)`);
    for (const c of ["leverage", "positions", "orders"]) fail(c, "not checked (no credentials)");
  } else {
    let credsOk = false;
    try {
      const a = await client.account("USDT");
      credsOk = true;
      pass(
        "credentials",
        `account readable: ${a.available} ${a.marginCoin} available${
          a.positionMode ? `, position mode ${a.positionMode}` : ""
        }`,
      );
      if (a.positionMode && a.positionMode.toUpperCase() !== "ONE_WAY") {
        fail("position-mode", `${a.positionMode}; this program assumes ONE_WAY`);
      }
    } catch (e) {
      fail("credentials", msg(e));
    }
    if (credsOk) {
      try {
        const lm = await client.getLeverageMarginMode(symbol);
        const detail = `${lm.leverage}x ${lm.marginMode ?? "?"} on ${symbol}`;
        if (lm.leverage > HARD_LIMITS.maxLeverage) {
          pass(
            "leverage",
            `${detail} (venue leverage above the ${HARD_LIMITS.maxLeverage}x hard limit; the risk gate caps exposure)`,
          );
        } else pass("leverage", detail);
      } catch (e) {
        fail("leverage", msg(e));
      }
      try {
        const ps = await client.pendingPositions();
        pass(
          "positions",
          ps.length === 0
            ? "none open"
            : ps.map((p) => `${p.symbol} ${p.side} ${p.qty} @ ${p.entryPrice}`).join("; "),
        );
      } catch (e) {
        fail("positions", msg(e));
      }
      try {
        const os = await client.pendingOrders({ symbol });
        pass(
          "orders",
          os.orders.length === 0 ? `none open on ${symbol}` : `${os.total} open on ${symbol}: ` +
            os.orders.map((o) =>
              `${o.side} ${o.qty}${o.price ? ` @ ${o.price}` : ""} (${o.clientId ?? o.orderId})`
            ).join("; "),
        );
      } catch (e) {
        fail("orders", msg(e));
      }
    } else {
      for (const c of ["leverage", "positions", "orders"]) {
        fail(c, "not checked (credentials rejected)");
      }
    }
  }
  return { ok, lines };
}

const FLAGS: FlagSpec = {
  symbol: {
    schema: z.string().regex(/^[A-Za-z0-9]{2,30}$/, "a symbol like BTCUSDT").default("BTCUSDT"),
    help: "contract to check (default BTCUSDT; BTCUSD is read as BTCUSDT)",
  },
  interval: {
    schema: z.enum(INTERVALS as [Interval, ...Interval[]]).default("1m"),
    help: `kline interval to check (${INTERVALS.join(", ")}; default 1m)`,
  },
  "timeout-ms": {
    schema: numberFlag({ min: 100, max: 120_000, int: true }).default(10_000),
    aliases: ["timeout_ms"],
    help: "timeout of each request and of the WebSocket check (default 10000)",
  },
  "max-skew-ms": {
    schema: numberFlag({ min: 100, max: 600_000, int: true }).default(5_000),
    aliases: ["max_skew_ms"],
    help: "largest accepted clock difference to the server (default 5000)",
  },
};

/** The `preflight` command. */
export const command: Command = {
  name: "preflight",
  summary: "check Bitunix connectivity, clock, credentials, symbol and account state",
  help() {
    return [
      "Usage: laptop-agents preflight [flags]",
      "",
      "Read-only checks before live trading; prints PASS/FAIL per check and exits 0 only",
      "when all pass. Reads BITUNIX_API_KEY, BITUNIX_API_SECRET, BITUNIX_BASE_URL and",
      "BITUNIX_WS_URL from the environment or .env.",
      "",
      formatFlagHelp(FLAGS),
    ].join("\n");
  },
  async run(argv) {
    const { flags } = parseFlags(argv, FLAGS);
    let symbol = String(flags.symbol).toUpperCase();
    if (symbol === "BTCUSD") {
      console.error("notice: BTCUSD is not a Bitunix futures symbol; using BTCUSDT");
      symbol = "BTCUSDT";
    }
    const env = loadBitunixEnv();
    const r = await runPreflight({
      env,
      symbol,
      interval: flags.interval as Interval,
      timeoutMs: flags["timeout-ms"] as number,
      maxSkewMs: flags["max-skew-ms"] as number,
    });
    for (const l of r.lines) console.log(l);
    console.log(r.ok ? "preflight: all checks passed" : "preflight: FAILED");
    return r.ok ? 0 : 1;
  },
};
