/**
 * A session's second phase: candles from the feed through the engine until a stop
 * condition (duration, the caller's signal, stale data, the feed's end), with the record
 * kept current on disk after every candle.
 *
 * @module
 */
import { dailySummary, utcDay } from "./session_notices.ts";
import { tradesCsvOf } from "./session_close.ts";
import type { OpenSession, StopReason } from "./session_types.ts";

/** Run: candles from the feed through the engine until a stop condition; the record kept current. */
export async function runFeed(s: OpenSession): Promise<StopReason> {
  const { config, deps, now, print, sink, pipeline, record } = s;
  // stop conditions: duration, caller's signal, stale data
  let reason = "feed-ended" as StopReason;
  const stopWith = (r: StopReason) => {
    if (reason !== "feed-ended") return;
    reason = r;
    s.haltForStop(r);
    void deps.feed.close();
  };
  const durationTimer = setTimeout(() => stopWith("duration"), config.durationMs);
  const onAbort = () => stopWith("signal");
  deps.stop?.addEventListener("abort", onAbort, { once: true });
  let lastDataAt = now();
  const staleTimer = setInterval(() => {
    const heard = Math.max(lastDataAt, deps.feed.lastMessageAt ?? 0);
    if (now() - heard > config.staleTimeoutMs) {
      sink.emit("error", "market", "data.stale", {
        seconds: (now() - heard) / 1000,
        timeout_s: config.staleTimeoutMs / 1000,
      });
      print(
        `Stale data: nothing from the market for ${
          ((now() - heard) / 1000).toFixed(0)
        } s; safety shutdown.`,
      );
      stopWith("stale");
    }
  }, deps.staleCheckMs ?? 1000);
  try {
    if (deps.stop?.aborted) return "signal";
    let equityPeak = -Infinity;
    let liveDay: number | null = null;
    for await (const fc of deps.feed.candles()) {
      if (reason !== "feed-ended") break;
      lastDataAt = now();
      const old = s.resumedThrough !== null && fc.candle.ts <= s.resumedThrough;
      const live = fc.live && !old;
      if (live && liveDay !== null && utcDay(fc.candle.ts) > liveDay) {
        const eq = pipeline.equity.at(-1) ?? pipeline.ledger.cash;
        sink.emit(
          "info",
          "journal",
          "session.daily_summary",
          dailySummary(liveDay, pipeline.ledger.trades, eq),
        );
      }
      if (live) liveDay = utcDay(fc.candle.ts);
      s.sim?.onCandle(fc.candle);
      const out = await pipeline.onCandle({ candle: fc.candle, live });
      if (!out.accepted) continue;
      s.lastCandleTs = fc.candle.ts;
      const eq = pipeline.equity.at(-1)!;
      if (eq > equityPeak) equityPeak = eq;
      s.model.equity(fc.candle.ts, eq, equityPeak - eq);
      if (record && live) {
        record.append(fc.candle, eq);
        record.writeTrades(pipeline.ledger.trades);
      }
      s.persist();
      s.beat();
      if (s.legacy) await Deno.writeFile(`${s.runDir}/trades.csv`, tradesCsvOf(pipeline));
    }
    return reason;
  } finally {
    clearTimeout(durationTimer);
    clearInterval(staleTimer);
    deps.stop?.removeEventListener("abort", onAbort);
  }
}
