import { isoFormatter } from "./iso_time.ts";
import type { RunStats } from "./report_model.ts";

/** What the backtest journal says besides the fills. */
export interface JournalMeta {
  readonly runId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly stats: RunStats;
  readonly candles: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

/**
 * `events.jsonl` of a backtest: run start, every fill (entry and exit) and run end, in
 * candle time. Built from the canonical trades.csv text alone (numbers there are already
 * in shortest round-trip form, which is also JSON's), so a million-candle run does not
 * format every float twice, and a worker can build it from one string.
 */
export function backtestJournal(tradesCsv: string, meta: JournalMeta): string {
  const iso = isoFormatter();
  const id = JSON.stringify(meta.runId);
  const lines: string[] = [
    JSON.stringify({
      ts: iso(meta.firstTs),
      level: "info",
      component: "engine",
      event: "run.started",
      runId: meta.runId,
      candles: meta.candles,
      config: meta.config,
    }),
  ];
  const rows = tradesCsv.split("\n");
  // id,side,entry_ts,entry_price,exit_ts,exit_price,qty,notional,stop_price,tp_price,exit_reason,gross_pnl,fees,pnl,equity_after
  for (let i = 1; i < rows.length; i++) {
    if (rows[i] === "") continue;
    const f = rows[i].split(",");
    const common =
      `","level":"info","component":"execution","event":"order.filled","runId":${id},"trade":${
        f[0]
      }`;
    const long = f[1] === "long";
    lines.push(
      `{"ts":"${iso(Number(f[2]))}${common},"intent":"entry","side":"${
        long ? "buy" : "sell"
      }","qty":${f[6]},"price":${f[3]},"stop":${f[8]},"tp":${f[9]}}`,
      `{"ts":"${iso(Number(f[4]))}${common},"intent":"exit","side":"${
        long ? "sell" : "buy"
      }","qty":${f[6]},"price":${f[5]},"reason":"${f[10]}","pnl":${f[13]}}`,
    );
  }
  lines.push(JSON.stringify({
    ts: iso(meta.lastTs),
    level: "info",
    component: "engine",
    event: "run.finished",
    runId: meta.runId,
    stats: meta.stats,
  }));
  return lines.join("\n") + "\n";
}
