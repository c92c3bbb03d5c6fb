/**
 * Which of the venue's two volume fields holds the base-coin amount. The docs name them
 * `baseVol`/`quoteVol` (REST) and `b`/`q` (WebSocket), but a probe of the live REST API
 * found `quoteVol` holding the BTC amount and `baseVol` the USDT notional. Rather than trust
 * either naming, the amount is recognised by the relationship amount x price = notional.
 *
 * @module
 */

/** The two volume fields of a kline or ticker, by the names the venue gives them. */
export interface VenueVolumes {
  /** The field named base volume (`baseVol`, `b`). */
  readonly base?: number;
  /** The field named quote volume (`quoteVol`, `q`). */
  readonly quote?: number;
}

/**
 * The base-coin amount (e.g. BTC) of a bar or ticker whose price is `price`.
 *
 * - Both fields set and positive: the field whose value x price is closest (by ratio) to
 *   the other field is the amount, so either naming gives the same answer.
 * - Both zero or both missing: 0.
 * - Only one field usable (the other missing or zero): read as the live REST API names
 *   them, i.e. a lone `quote` field is the amount and a lone `base` field is the notional
 *   (divided by the price).
 */
export function baseVolume(v: VenueVolumes, price: number): number {
  const base = usable(v.base);
  const quote = usable(v.quote);
  const priceOk = Number.isFinite(price) && price > 0;
  if (base !== undefined && quote !== undefined) {
    if (!priceOk) return Math.min(base, quote);
    // |ln(amount x price / notional)| for each reading; the smaller misfit wins.
    const namedRight = Math.abs(Math.log((base * price) / quote));
    const swapped = Math.abs(Math.log((quote * price) / base));
    return swapped <= namedRight ? quote : base;
  }
  if (quote !== undefined) return quote;
  if (base !== undefined) return priceOk ? base / price : 0;
  return 0;
}

/** The notional (quote-coin amount, e.g. USDT) that goes with `baseVolume`. */
export function quoteVolume(v: VenueVolumes, price: number): number {
  const base = usable(v.base);
  const quote = usable(v.quote);
  if (base !== undefined && quote !== undefined) {
    return baseVolume(v, price) === quote ? base : quote;
  }
  const amount = baseVolume(v, price);
  return Number.isFinite(price) && price > 0 ? amount * price : 0;
}

function usable(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : undefined;
}
