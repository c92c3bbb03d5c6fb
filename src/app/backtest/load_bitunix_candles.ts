import { loadBitunixEnv } from "../../config/env.ts";
import { INTERVAL_MS } from "../../core/candle.ts";
import { loadBitunixCandles } from "../../data/bitunix_history.ts";
import { BitunixRestClient } from "../../exchange/bitunix/mod.ts";
import type { CandleRequest, LoadedCandles } from "./load_candles.ts";

/** Names of the credential variables; history download is public and never reads them. */
const CREDENTIALS = new Set(["BITUNIX_API_KEY", "BITUNIX_API_SECRET"]);

/**
 * Candles for `--source bitunix`: the last N closed bars from Bitunix klines, through the
 * on-disk cache (a second run over the same range makes no request). Gaps are reported.
 */
export async function loadBitunixBacktestCandles(
  config: CandleRequest,
): Promise<LoadedCandles> {
  const env = loadBitunixEnv({
    getEnv: (k) => CREDENTIALS.has(k) ? undefined : Deno.env.get(k),
    useEnvFile: false,
  });
  const interval = config.interval ?? "5m";
  const client = new BitunixRestClient({ baseUrl: env.baseUrl });
  const result = await loadBitunixCandles({
    client,
    symbol: config.symbol,
    interval,
    count: config.candles ?? 500,
    cacheDir: config.cacheDir,
  });
  if (result.gaps.length > 0) {
    const missing = result.gaps.reduce((a, g) => a + g.bars, 0);
    console.error(
      `Notice: Bitunix history has ${result.gaps.length} gaps (${missing} missing bars); they are not filled.`,
    );
  }
  return {
    series: result.series,
    intervalMs: INTERVAL_MS[interval],
    interval,
    description: `bitunix ${result.requests === 0 ? "cache" : `${result.requests} requests`}`,
  };
}
