import { HARD_LIMITS } from "./hard_limits.ts";

/**
 * The fill model shared by the backtest fast path and the simulated venue (backtest
 * pipeline and paper). Every function here is pure and allocation-free because it runs
 * once per candle in the hot loop; keeping one copy is what makes both paths produce
 * identical trades.
 */

/** No exit in this bar. */
export const HIT_NONE = 0;
/** Stop touched inside the bar: exit at the stop price. */
export const HIT_STOP = 1;
/** Take-profit touched inside the bar: exit at the take-profit price. */
export const HIT_TP = 2;
/** The bar opened through the stop: exit at the open. */
export const HIT_STOP_GAP = 3;
/** The bar opened through the take-profit: exit at the open. */
export const HIT_TP_GAP = 4;

/**
 * Which bracket level a bar hits first. A bar that touches both is resolved by the
 * intrabar mode: stop first when conservative, take-profit first when optimistic.
 * @returns one of the HIT_* codes
 */
export function bracketHit(
  isLong: boolean,
  open: number,
  high: number,
  low: number,
  stop: number,
  tp: number,
  optimistic: boolean,
): number {
  if (isLong) {
    if (open <= stop) return HIT_STOP_GAP;
    if (open >= tp) return HIT_TP_GAP;
    const hitStop = low <= stop;
    const hitTp = high >= tp;
    if (hitStop && hitTp) return optimistic ? HIT_TP : HIT_STOP;
    return hitStop ? HIT_STOP : hitTp ? HIT_TP : HIT_NONE;
  }
  if (open >= stop) return HIT_STOP_GAP;
  if (open <= tp) return HIT_TP_GAP;
  const hitStop = high >= stop;
  const hitTp = low <= tp;
  if (hitStop && hitTp) return optimistic ? HIT_TP : HIT_STOP;
  return hitStop ? HIT_STOP : hitTp ? HIT_TP : HIT_NONE;
}

/**
 * Only from {@link firstTouchInDetail}: the first finer candle that reached a level touched
 * both, so the finer candles cannot tell either.
 */
export const HIT_BOTH = 5;

/**
 * True when a bar's range touches both the stop and the take-profit (the one case the
 * intrabar mode decides). Gaps are not asked about here: check `bracketHit` first.
 */
export function touchesBoth(
  isLong: boolean,
  high: number,
  low: number,
  stop: number,
  tp: number,
): boolean {
  return isLong ? low <= stop && high >= tp : high >= stop && low <= tp;
}

/**
 * Which level the finer candles `[from, to)` of one bar reach first, in time order: the
 * first finer candle that opens through a level or touches one decides. Used for a bar
 * that touches both levels, with the candles of a shorter interval inside it.
 * @returns HIT_STOP or HIT_TP; HIT_STOP_GAP or HIT_TP_GAP when a finer candle opens through
 *   the level (it fills at that candle's open, which goes in `gap.price`); HIT_BOTH when
 *   that first candle touches both; HIT_NONE when no finer candle reaches either (the finer
 *   data disagree with the bar)
 */
export function firstTouchInDetail(
  isLong: boolean,
  open: ArrayLike<number>,
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  from: number,
  to: number,
  stop: number,
  tp: number,
  gap: { price: number } = { price: Number.NaN },
): number {
  for (let k = from; k < to; k++) {
    const o = open[k];
    const stopGap = isLong ? o <= stop : o >= stop;
    const tpGap = isLong ? o >= tp : o <= tp;
    if (stopGap || tpGap) {
      gap.price = o;
      return stopGap ? HIT_STOP_GAP : HIT_TP_GAP;
    }
    const hitStop = isLong ? low[k] <= stop : high[k] >= stop;
    const hitTp = isLong ? high[k] >= tp : low[k] <= tp;
    if (hitStop && hitTp) return HIT_BOTH;
    if (hitStop) return HIT_STOP;
    if (hitTp) return HIT_TP;
  }
  return HIT_NONE;
}

/** Price level a HIT_* code exits at, before slippage. */
export function hitPrice(hit: number, open: number, stop: number, tp: number): number {
  return hit === HIT_STOP ? stop : hit === HIT_TP ? tp : open;
}

/** True for the stop codes (level or gap). */
export function isStopHit(hit: number): boolean {
  return hit === HIT_STOP || hit === HIT_STOP_GAP;
}

/**
 * Applies adverse slippage to a fill: buying pays more, selling receives less.
 * @param buy true when the fill buys (long entry or short exit)
 */
export function slipped(price: number, buy: boolean, slippageBps: number): number {
  return buy ? price * (1 + slippageBps / 10_000) : price * (1 - slippageBps / 10_000);
}

/** Stop price at `stopBps` from the entry fill, on the losing side. */
export function stopPriceFor(isLong: boolean, entry: number, stopBps: number): number {
  return isLong ? entry * (1 - stopBps / 10_000) : entry * (1 + stopBps / 10_000);
}

/** Take-profit price at `tpR` times the stop distance from the entry fill. */
export function tpPriceFor(isLong: boolean, entry: number, stopBps: number, tpR: number): number {
  const dist = entry * stopBps / 10_000 * tpR;
  return isLong ? entry + dist : entry - dist;
}

/**
 * The bracket of a position the venue reports rather than the agent entered (a fill from
 * the venue, an adopted position): the venue's own levels when it names a stop (its
 * whole bracket: no take-profit then means none, ±Infinity), else the configured
 * distances from the entry.
 */
export function venueBracket(
  isLong: boolean,
  entry: number,
  held: { readonly stopPrice?: number; readonly tpPrice?: number } | null | undefined,
  stopBps: number,
  tpR: number,
): { stop: number; tp: number } {
  if (held?.stopPrice !== undefined) {
    return { stop: held.stopPrice, tp: held.tpPrice ?? (isLong ? Infinity : -Infinity) };
  }
  return {
    stop: stopPriceFor(isLong, entry, stopBps),
    tp: held?.tpPrice ?? tpPriceFor(isLong, entry, stopBps, tpR),
  };
}

/** Fee of one fill: notional x fee rate. */
export function feeFor(qty: number, price: number, feeBps: number): number {
  return qty * price * feeBps / 10_000;
}

/** Gross pnl of a round trip. */
export function grossPnlFor(isLong: boolean, qty: number, entry: number, exit: number): number {
  return isLong ? (exit - entry) * qty : (entry - exit) * qty;
}

/**
 * Position size in base coin: risk `riskPct` % of equity at a stop `stopBps` away from
 * `refPrice`, then capped so notional stays within `maxLeverage` x equity and the hard
 * position limit. Returns 0 when equity is not positive.
 */
export function positionQty(
  equity: number,
  refPrice: number,
  riskPct: number,
  stopBps: number,
  maxLeverage: number,
): number {
  if (!(equity > 0) || !(refPrice > 0)) return 0;
  const riskUsd = equity * riskPct / 100;
  const stopDistance = refPrice * stopBps / 10_000;
  const qty = riskUsd / stopDistance;
  const capNotional = Math.min(equity * maxLeverage, HARD_LIMITS.maxPositionUsd);
  return qty * refPrice > capNotional ? capNotional / refPrice : qty;
}

/**
 * Loss per unit of entry notional when the stop is hit: the stop distance, adverse
 * slippage on the exit, and the fees of both fills (the exit's at the stop price), bounded
 * for either side. An entry of notional N loses at most N x this at its stop, unless the
 * market gaps through the stop or slips more than the configured slippage.
 */
export function lossPerNotionalAtStop(
  stopBps: number,
  feeBps: number,
  slippageBps: number,
): number {
  const s = stopBps / 10_000;
  const slip = slippageBps / 10_000;
  const f = feeBps / 10_000;
  const exitFactor = (1 + s) * (1 + slip);
  return exitFactor - 1 + f * (1 + exitFactor);
}

/**
 * What closing `qty` at about `price` costs beyond its marked value: the exit fee and the
 * adverse slippage. A reversal's entry must leave room for it in the day's loss budget,
 * because the marks count the position at its price, before these costs.
 */
export function exitCostAt(
  qty: number,
  price: number,
  feeBps: number,
  slippageBps: number,
): number {
  return qty * price * (feeBps + slippageBps) / 10_000;
}

/**
 * The quantity an entry may fill at `price` without its notional passing `maxNotional`:
 * `qty` itself when it fits, else `maxNotional / price`. Applied at the fill price, so a
 * price that moved after the decision cannot take the position past a limit.
 */
export function qtyWithinNotional(qty: number, price: number, maxNotional: number): number {
  return qty * price > maxNotional ? maxNotional / price : qty;
}

/** A stop or take-profit at basis points of the fill (the take-profit's 0: tpR x the stop). */
export const LEVEL_BPS = 0;
/** A stop or take-profit at a distance in price units from the fill. */
export const LEVEL_DISTANCE = 1;
/** A stop or take-profit at an absolute price. */
export const LEVEL_PRICE = 2;
/** No take-profit. */
export const LEVEL_NONE = 3;

/** Where an entry's stop and take-profit go, relative to its fill. */
export interface BracketSpec {
  readonly stopKind: number;
  readonly stopValue: number;
  readonly tpKind: number;
  readonly tpValue: number;
  /** Take-profit as a multiple of the stop distance (tpKind LEVEL_BPS with value 0). */
  readonly tpR: number;
}

/** The bracket of a spec with a stop `stopBps` away and a take-profit `tpR` times further. */
export function defaultBracket(stopBps: number, tpR: number): BracketSpec {
  return { stopKind: LEVEL_BPS, stopValue: stopBps, tpKind: LEVEL_BPS, tpValue: 0, tpR };
}

/**
 * The stop and take-profit prices of an entry filled (or about to fill) at `price`. No
 * take-profit is +-Infinity, which no bar reaches.
 */
export function bracketAt(
  isLong: boolean,
  price: number,
  b: BracketSpec,
): { stop: number; tp: number } {
  let stop: number;
  if (b.stopKind === LEVEL_BPS) stop = stopPriceFor(isLong, price, b.stopValue);
  else if (b.stopKind === LEVEL_DISTANCE) stop = isLong ? price - b.stopValue : price + b.stopValue;
  else stop = b.stopValue;
  let tp: number;
  if (b.tpKind === LEVEL_NONE) tp = isLong ? Infinity : -Infinity;
  else if (b.tpKind === LEVEL_PRICE) tp = b.tpValue;
  else if (b.tpKind === LEVEL_DISTANCE) tp = isLong ? price + b.tpValue : price - b.tpValue;
  else if (b.stopKind === LEVEL_BPS && b.tpValue === 0) {
    tp = tpPriceFor(isLong, price, b.stopValue, b.tpR);
  } else {
    const d = Math.abs(price - stop) * b.tpR;
    tp = isLong ? price + d : price - d;
  }
  return { stop, tp };
}

/**
 * What is wrong with the bracket of an entry at `price`, or null when it protects it: the
 * stop must be a positive price on the losing side, a take-profit (when there is one,
 * i.e. finite) a positive price on the winning side. Phrased as what was expected, e.g.
 * `a stop below the latest price 60000 (got 60100)`; `what` names the price
 * ("the latest price", "the close").
 */
export function bracketSideProblem(
  isLong: boolean,
  price: number,
  stop: number,
  tp: number,
  what: string,
): string | null {
  if (!(stop > 0 && Number.isFinite(stop) && (isLong ? stop < price : stop > price))) {
    return `a stop ${isLong ? "below" : "above"} ${what} ${price} (got ${stop})`;
  }
  if (Number.isFinite(tp) && !(tp > 0 && (isLong ? tp > price : tp < price))) {
    return `a take-profit ${isLong ? "above" : "below"} ${what} ${price} (got ${tp})`;
  }
  return null;
}

/**
 * A quantity built from several fills, without float noise (venue quantities have a few
 * decimals; 0.0256 - 0.0128 must stay 0.0128). Single-fill positions never pass here.
 */
export function cleanQty(q: number): number {
  return Math.round(q * 1e12) / 1e12;
}
