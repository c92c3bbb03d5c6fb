/**
 * Public face of the Bitunix adapter. Everything venue-specific stays in this folder;
 * callers get core types or the small venue-neutral types re-exported here.
 */
export { BITUNIX_COMPONENT, BitunixRestClient, DEFAULT_BASE_URL } from "./rest_client.ts";
export type { BitunixRestCounters, BitunixRestOptions, ResponseInfo } from "./rest_client.ts";
export { BitunixError, isBitunixError } from "./errors.ts";
export type { BitunixErrorKind } from "./errors.ts";
export { BitunixExchange, roundQtyDown } from "./exchange.ts";
export type { BitunixExchangeOptions } from "./exchange.ts";
export { BitunixKlineFeed, BitunixPollingFeed } from "./kline_feed.ts";
export type {
  BitunixFeedCounters,
  BitunixKlineFeedOptions,
  BitunixPollingFeedOptions,
} from "./kline_feed.ts";
export { BitunixWsClient, DEFAULT_WS_URL, displayUrl, wsEndpoint } from "./ws_client.ts";
export type { BitunixWsCounters, BitunixWsOptions, WsPush, WsStatus } from "./ws_client.ts";
export { BitunixPrivateStream } from "./private_stream.ts";
export type {
  BalanceUpdate,
  BitunixPrivateStreamCounters,
  BitunixPrivateStreamOptions,
  OrderUpdate,
  PositionUpdate,
} from "./private_stream.ts";
export {
  fetchKlineRange,
  KLINE_WINDOW_BARS,
  klineQueryWindow,
  KLINES_PER_CALL,
} from "./kline_pager.ts";
export { klineChannel, parseInterval } from "./intervals.ts";
export { untradableReason } from "./symbols.ts";
export type * from "./types.ts";
