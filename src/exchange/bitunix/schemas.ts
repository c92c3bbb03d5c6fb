/**
 * zod schemas for every Bitunix payload the adapter reads. Numbers may arrive as decimal
 * strings or JSON numbers; `data` may be an object or a one-element array where the docs
 * disagree. Raw venue shapes stay in this folder: the client maps them to the types below.
 */
import { z } from "zod";

/** A finite number given as a JSON number or a decimal string. */
export const zNum = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : v.trim() === "" ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.issues.push({ code: "custom", message: "a finite number", input: v });
    return z.NEVER;
  }
  return n;
});

/** An optional number: missing, null and "" become undefined. */
export const zOptNum = z
  .union([zNum, z.literal(""), z.null()])
  .optional()
  .transform((v) => (typeof v === "number" ? v : undefined));

/** An RFC 3339 / ISO-8601 date-time: date, `T` or space, time, optional zone. */
const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Unix ms of an RFC 3339 / ISO-8601 string. A date-time without a zone is read as UTC
 * (never the local zone); anything else (`Jan 15 2026`, `15/01/2026`) is NaN.
 */
function parseDateTime(s: string): number {
  const m = DATE_TIME.exec(s);
  if (!m) return Number.NaN;
  const [, date, time, zone] = m;
  if (time === undefined) return Date.parse(`${date}T00:00:00Z`);
  const z = zone === undefined || zone.toUpperCase() === "Z"
    ? "Z"
    : zone.length === 5
    ? `${zone.slice(0, 3)}:${zone.slice(3)}`
    : zone;
  return Date.parse(`${date}T${time}${z}`);
}

/**
 * A time as Unix ms: a JSON number, a numeric string, or an RFC 3339 / ISO-8601 string
 * (private pushes and the TP/SL book send times as strings in some recordings).
 */
export const zTime = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = typeof v === "string" ? v.trim() : "";
  const n = typeof v === "number" ? v : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : parseDateTime(s);
  if (!Number.isFinite(n)) {
    ctx.issues.push({
      code: "custom",
      message: "a time (ms, numeric string or RFC 3339)",
      input: v,
    });
    return z.NEVER;
  }
  return n;
});

/** An optional time: missing, null, "" and 0 (a time that has not happened) become undefined. */
export const zOptTime = z
  .union([zTime, z.literal(""), z.null()])
  .optional()
  .transform((v) => (typeof v === "number" && v > 0 ? v : undefined));

/** An optional string id that may arrive as a number. */
const zId = z.union([z.string(), z.number()]).transform((v) => String(v));
const zOptId = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === "" ? undefined : String(v)));
const zOptStr = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));
const zOptBool = z
  .union([z.boolean(), z.literal("true"), z.literal("false"), z.null()])
  .optional()
  .transform((v) => v === true || v === "true");
const upper = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s) => s.toUpperCase()).pipe(z.enum(values));

/** Accepts `T` or `T[]` and yields an array. */
export function zMany<T extends z.ZodType>(item: T) {
  return z.union([z.array(item), item]).transform((v) =>
    (Array.isArray(v) ? v : [v]) as z.output<T>[]
  );
}

/** Accepts `T` or a non-empty `T[]` and yields the (first) element. */
export function zOne<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) =>
    (Array.isArray(v) ? v[0] : v) as z.output<T>
  );
}

/**
 * A page of a list endpoint: `{<listKey>: T[] | null, total}`, a bare `T[]`, or null (the
 * docs show each), read as `{<outKey>: T[], total}`; a missing total is the rows' count.
 */
export function zPage<T extends z.ZodType, K extends string>(item: T, listKey: string, outKey: K) {
  const rows = z.union([z.array(item), z.null()]).optional();
  return z
    .union([z.object({ [listKey]: rows, total: zOptNum }), z.array(item), z.null()])
    .transform((v) => {
      const list = (v === null ? [] : Array.isArray(v) ? v : v[listKey] ?? []) as z.output<T>[];
      const total = v === null || Array.isArray(v) ? list.length : v.total ?? list.length;
      return { [outKey]: list, total } as { [P in K]: z.output<T>[] } & { total: number };
    });
}

/** Where a payload broke its schema (a dotted path, "" for the whole) and why; no values. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The most specific zod issue (deepest path, looking inside union branches). zod's
 * messages name expected types and options, not the input, so this never carries a value.
 */
export function mainIssue(err: z.ZodError): SchemaIssue {
  let best: { path: PropertyKey[]; message: string } | undefined;
  const walk = (issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]) => {
    for (const i of issues) {
      const path = [...prefix, ...i.path];
      if (i.code === "invalid_union" && i.errors.length) {
        for (const branch of i.errors) walk(branch, path);
      } else if (!best || path.length > best.path.length) {
        best = { path, message: i.message };
      }
    }
  };
  walk(err.issues, []);
  if (!best) return { path: "", message: "invalid" };
  return {
    path: best.path.map(String).join(".").slice(0, 200),
    message: best.message.slice(0, 200),
  };
}

/** `{code, msg, data}` envelope; some clients see `message` instead of `msg`. */
export const envelopeSchema = z.object({
  code: zNum,
  msg: zOptStr,
  message: zOptStr,
  data: z.unknown().optional(),
});

/** One kline as REST returns it. */
export const klineSchema = z.object({
  open: zNum,
  high: zNum,
  low: zNum,
  close: zNum,
  time: zTime,
  quoteVol: zOptNum,
  baseVol: zOptNum,
});
/** `data` of `/market/kline` (an array, or null when empty). */
export const klinesSchema = z.union([z.array(klineSchema), z.null()]).transform((v) => v ?? []);

/** One ticker. */
export const tickerSchema = z.object({
  symbol: z.string(),
  markPrice: zOptNum,
  lastPrice: zOptNum,
  last: zOptNum,
  open: zOptNum,
  high: zOptNum,
  low: zOptNum,
  quoteVol: zOptNum,
  baseVol: zOptNum,
});
/** `data` of `/market/tickers`. */
export const tickersSchema = zMany(tickerSchema);

const levelSchema = z.tuple([zNum, zNum]).rest(z.unknown());
/** `data` of `/market/depth`. */
export const depthSchema = zOne(
  z.object({ asks: z.array(levelSchema), bids: z.array(levelSchema) }),
);

/** A flag that counts as true unless the venue sends false (missing and null: true). */
const zTrueUnlessFalse = z
  .union([z.boolean(), z.literal("true"), z.literal("false"), z.null()])
  .optional()
  .transform((v) => v !== false && v !== "false");

/**
 * One contract of `/market/trading_pairs`. The status is `symbolStatus` in the docs; a
 * reply naming it `status` is read the same. `isApiSupported` false marks a contract that
 * takes no API orders (missing: supported).
 */
export const tradingPairSchema = z
  .object({
    symbol: z.string(),
    base: zOptStr,
    quote: zOptStr,
    minTradeVolume: zNum,
    basePrecision: zNum.pipe(z.number().int().min(0).max(18)),
    quotePrecision: zNum.pipe(z.number().int().min(0).max(18)),
    maxLeverage: zNum,
    minLeverage: zOptNum,
    defaultLeverage: zOptNum,
    defaultMarginMode: zOptStr,
    symbolStatus: z.string().optional(),
    status: z.string().optional(),
    isApiSupported: zTrueUnlessFalse,
  })
  .refine((p) => p.symbolStatus !== undefined || p.status !== undefined, {
    message: "a symbolStatus",
    path: ["symbolStatus"],
  })
  .transform(({ status, ...p }) => ({ ...p, symbolStatus: (p.symbolStatus ?? status)! }));
/** `data` of `/market/trading_pairs`. */
export const tradingPairsSchema = zMany(tradingPairSchema);

/** `data` of `/account` (object or one-element array). */
export const accountSchema = zOne(
  z.object({
    marginCoin: z.string(),
    available: zNum,
    frozen: zOptNum,
    margin: zOptNum,
    transfer: zOptNum,
    positionMode: zOptStr,
    crossUnrealizedPNL: zOptNum,
    isolationUnrealizedPNL: zOptNum,
    bonus: zOptNum,
  }),
);

/** One open position of `/position/get_pending_positions`. */
export const positionSchema = z.object({
  positionId: zId,
  symbol: z.string(),
  qty: zNum,
  entryValue: zOptNum,
  side: upper(["LONG", "SHORT", "BUY", "SELL"]),
  marginMode: zOptStr,
  positionMode: zOptStr,
  leverage: zOptNum,
  fee: zOptNum,
  funding: zOptNum,
  realizedPNL: zOptNum,
  margin: zOptNum,
  unrealizedPNL: zOptNum,
  liqPrice: zOptNum,
  avgOpenPrice: zOptNum,
  ctime: zOptTime,
  mtime: zOptTime,
});
/** `data` of `/position/get_pending_positions`. */
export const positionsSchema = z
  .union([zMany(positionSchema), z.null()])
  .transform((v) => v ?? []);

/** One order (pending, history or detail). */
export const orderSchema = z.object({
  orderId: zId,
  symbol: z.string(),
  qty: zNum,
  tradeQty: zOptNum,
  price: zOptNum,
  avgPrice: zOptNum,
  side: upper(["BUY", "SELL"]),
  orderType: zOptStr,
  clientId: zOptId,
  reduceOnly: zOptBool,
  status: zOptStr,
  fee: zOptNum,
  realizedPNL: zOptNum,
  tpPrice: zOptNum,
  slPrice: zOptNum,
  leverage: zOptNum,
  ctime: zOptTime,
  mtime: zOptTime,
});
/** `data` of `/trade/get_order_detail`. */
export const orderDetailSchema = zOne(orderSchema);
/** `data` of `/trade/get_pending_orders` and `/trade/get_history_orders`. */
export const orderListSchema = zPage(orderSchema, "orderList", "orders");

/** One execution of `/trade/get_history_trades`. */
export const tradeSchema = z.object({
  tradeId: zId,
  orderId: zId,
  symbol: z.string(),
  qty: zNum,
  price: zNum,
  side: upper(["BUY", "SELL"]),
  fee: zOptNum,
  clientId: zOptId,
  reduceOnly: zOptBool,
  realizedPNL: zOptNum,
  orderType: zOptStr,
  roleType: zOptStr,
  ctime: zTime,
});
/** `data` of `/trade/get_history_trades`. */
export const tradeListSchema = zPage(tradeSchema, "tradeList", "trades");

/** `data` of `/trade/place_order`. */
export const placeOrderSchema = zOne(z.object({ orderId: zId, clientId: zOptId }));

/** `data` of `/trade/cancel_orders`. */
export const cancelOrdersSchema = zOne(
  z.object({
    successList: z
      .union([z.array(z.object({ orderId: zOptId, clientId: zOptId })), z.null()])
      .optional()
      .transform((v) => v ?? []),
    failureList: z
      .union([
        z.array(
          z.object({
            orderId: zOptId,
            clientId: zOptId,
            errorMsg: zOptStr,
            errorCode: zOptNum,
          }),
        ),
        z.null(),
      ])
      .optional()
      .transform((v) => v ?? []),
  }),
);

/**
 * One order of the TP/SL book (`/tpsl/get_pending_orders`, `/tpsl/get_history_orders`).
 * The docs name its id `id`; the `tpsl` push names it `orderId`: either is accepted.
 */
export const tpslOrderSchema = z
  .object({
    id: zOptId,
    orderId: zOptId,
    positionId: zId,
    symbol: z.string(),
    tpPrice: zOptNum,
    tpStopType: zOptStr,
    tpOrderType: zOptStr,
    tpOrderPrice: zOptNum,
    tpQty: zOptNum,
    slPrice: zOptNum,
    slStopType: zOptStr,
    slOrderType: zOptStr,
    slOrderPrice: zOptNum,
    slQty: zOptNum,
    status: zOptStr,
    ctime: zOptTime,
    mtime: zOptTime,
    triggerTime: zOptTime,
  })
  .refine((o) => o.id !== undefined || o.orderId !== undefined, {
    message: "an id or orderId",
    path: ["id"],
  });
/**
 * `data` of the TP/SL lists. The docs disagree: a bare array in one copy, `{orderList, total}`
 * in another; both (and null) are accepted.
 */
export const tpslListSchema = zPage(tpslOrderSchema, "orderList", "orders");

/** `data` of the TP/SL place and modify calls: the TP/SL order id. */
export const tpslIdSchema = zOne(z.object({ orderId: zId }));

/** `data` of `/tpsl/cancel_order`: the order id (some replies carry no data). */
export const tpslCancelSchema = z.union([
  zOne(z.object({ orderId: zOptId })),
  z.null(),
]).transform((v) => v?.orderId);

/** `data` of `/account/get_leverage_margin_mode` and `/account/change_leverage`. */
export const leverageMarginSchema = zOne(
  z.object({
    symbol: z.string(),
    marginCoin: zOptStr,
    leverage: zNum,
    marginMode: zOptStr,
  }),
);

/** `data` whose content the client does not read (cancel_all_orders, change_margin_mode). */
export const anyDataSchema = z.unknown();

/** A WebSocket message: `op` replies (connect/ping/login/subscribe) or `ch` pushes. */
export const wsMessageSchema = z.object({
  op: zOptStr,
  ch: zOptStr,
  symbol: zOptStr,
  ts: zOptTime,
  pong: z.unknown().optional(),
  ping: z.unknown().optional(),
  code: zOptNum,
  msg: zOptStr,
  data: z.unknown().optional(),
});

/** `data` of a `market_kline_*` / `mark_kline_*` push. */
export const wsKlineSchema = zOne(
  z.object({ o: zNum, h: zNum, l: zNum, c: zNum, b: zOptNum, q: zOptNum }),
);

/** `data` of a private `order` push (object or array). */
export const wsOrderSchema = zMany(
  z.object({
    event: zOptStr,
    orderId: zId,
    clientId: zOptId,
    symbol: z.string(),
    side: upper(["BUY", "SELL"]),
    qty: zNum,
    price: zOptNum,
    averagePrice: zOptNum,
    dealAmount: zOptNum,
    orderStatus: zOptStr,
    reductionOnly: zOptBool,
    fee: zOptNum,
    ctime: zOptTime,
    mtime: zOptTime,
  }),
);

/** `data` of a private `position` push. */
export const wsPositionSchema = zMany(
  z.object({
    event: zOptStr,
    positionId: zId,
    symbol: z.string(),
    side: upper(["LONG", "SHORT", "BUY", "SELL"]),
    qty: zNum,
    entryValue: zOptNum,
    marginMode: zOptStr,
    positionType: zOptStr,
    leverage: zOptNum,
    unrealizedPNL: zOptNum,
    realizedPNL: zOptNum,
  }),
);

/** `data` of a private `balance` push. */
export const wsBalanceSchema = zMany(
  z.object({
    coin: z.string(),
    available: zNum,
    frozen: zOptNum,
    margin: zOptNum,
  }),
);
