import type { OpenOrder, VenuePosition } from "../../core/order.ts";
import type { Exchange } from "../../core/ports.ts";
import type { Side } from "../../core/trade.ts";

/** What the agent persisted about the venue before it stopped. */
export interface ReconcileJournal {
  readonly position:
    | { readonly side: Side; readonly qty: number; readonly entryPrice: number }
    | null;
  /** Client ids of orders the journal believes are working (sent, not yet seen filled). */
  readonly openClientIds: readonly string[];
  /** Prefix every client id of this agent carries (e.g. `la1a2b3c4d`). */
  readonly clientIdPrefix: string;
}

/** Inputs of {@link reconcileOnStart}. */
export interface ReconcileOptions {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly journal: ReconcileJournal;
  /** Quantity differences up to this are rounding (default 0.0001, BTCUSDT's step). */
  readonly qtyTolerance?: number;
}

/** ok: venue and journal agree; adopted: differences explained; mismatch: refuse to trade. */
export type ReconcileStatus = "ok" | "adopted" | "mismatch";

/** Outcome of a start-up reconciliation. */
export interface ReconcileResult {
  readonly status: ReconcileStatus;
  /** One sentence per thing found, e.g. `venue has a LONG 0.015 BTCUSDT position ...`. */
  readonly findings: string[];
  /** The venue's position: the one to trade from when not a mismatch. */
  readonly position: VenuePosition | null;
  /** The venue's working orders for the symbol. */
  readonly openOrders: OpenOrder[];
  /** True when the journal's position was closed at the venue while the agent was down. */
  readonly closedWhileDown: boolean;
}

const sideText = (s: Side) => s.toUpperCase();

function posText(p: { side: Side; qty: number; entryPrice: number }, symbol: string): string {
  return `a ${sideText(p.side)} ${p.qty} ${symbol} position at ${p.entryPrice}`;
}

/** True for a client id built with intent `entry` (see clientIdFor: `...-e`). */
function isEntryId(id: string): boolean {
  return id.endsWith("-e");
}

/**
 * Compares the venue's position and working orders with the journal at start-up.
 * Explainable differences are adopted: an entry the journal sent that filled while the
 * agent was down, a journal position the venue closed (stop, take-profit or exit) while
 * down, journal orders no longer working, our own orders the journal missed. Anything
 * else (opposite side, a size beyond rounding, a position the journal cannot account
 * for, orders without our client id prefix) is a mismatch; the caller must not trade.
 */
export async function reconcileOnStart(o: ReconcileOptions): Promise<ReconcileResult> {
  const { exchange, symbol, journal } = o;
  const tol = o.qtyTolerance ?? 0.0001;
  const position = await exchange.position(symbol);
  const openOrders = await exchange.openOrders(symbol);
  const adopted: string[] = [];
  const mismatched: string[] = [];
  let closedWhileDown = false;

  const venueIds = new Set(openOrders.map((x) => x.clientId));
  const goneIds = journal.openClientIds.filter((id) => !venueIds.has(id));
  for (const ord of openOrders) {
    const what = `${ord.side.toUpperCase()} ${ord.qty} ${symbol}${
      ord.reduceOnly ? " reduce-only" : ""
    }`;
    if (!ord.clientId.startsWith(journal.clientIdPrefix)) {
      const cid = ord.clientId === "" ? "no clientId" : `clientId '${ord.clientId}'`;
      mismatched.push(
        `venue has an open order ${ord.orderId} (${what}, ${cid}) without our prefix ` +
          `'${journal.clientIdPrefix}'`,
      );
    } else if (!journal.openClientIds.includes(ord.clientId)) {
      adopted.push(
        `venue has our open order ${ord.clientId} (${what}) the journal missed; adopted`,
      );
    }
  }
  for (const id of goneIds) {
    adopted.push(`journal order ${id} is no longer open at the venue (filled or cancelled)`);
  }

  const j = journal.position;
  if (j === null && position !== null) {
    const sentEntry = goneIds.some(isEntryId);
    if (sentEntry) {
      adopted.push(
        `venue has ${
          posText(position, symbol)
        } from the entry the journal sent while down; adopted`,
      );
    } else {
      mismatched.push(`venue has ${posText(position, symbol)} but the journal is flat`);
    }
  } else if (j !== null && position === null) {
    closedWhileDown = true;
    adopted.push(
      `journal had ${posText(j, symbol)} but the venue is flat: closed while down ` +
        `(stop, take-profit or exit); recorded as closed`,
    );
  } else if (j !== null && position !== null) {
    const reversed = goneIds.some(isEntryId) && goneIds.some((id) => id.endsWith("-x"));
    if (j.side !== position.side && reversed) {
      adopted.push(
        `venue has ${posText(position, symbol)} from the reversal (exit and entry) the ` +
          `journal sent while down; journal had ${posText(j, symbol)}; adopted`,
      );
    } else if (j.side !== position.side) {
      mismatched.push(
        `venue has ${posText(position, symbol)} but the journal has ${posText(j, symbol)}`,
      );
    } else if (Math.abs(j.qty - position.qty) > tol + 1e-12) {
      mismatched.push(
        `venue has ${posText(position, symbol)} but the journal has ${j.qty} ` +
          `(difference ${Math.abs(j.qty - position.qty)} is beyond rounding ${tol})`,
      );
    } else if (j.qty !== position.qty || j.entryPrice !== position.entryPrice) {
      adopted.push(
        `venue has ${posText(position, symbol)}, journal ${j.qty} at ${j.entryPrice}: ` +
          `same position within rounding; adopted the venue's figures`,
      );
    }
  }

  const status: ReconcileStatus = mismatched.length
    ? "mismatch"
    : adopted.length
    ? "adopted"
    : "ok";
  const findings = [...mismatched, ...adopted];
  if (status === "ok") {
    const what = position === null ? "flat" : posText(position, symbol);
    const n = openOrders.length;
    findings.push(`venue and journal agree: ${what}, ${n} open order${n === 1 ? "" : "s"}`);
  }
  return { status, findings, position, openOrders, closedWhileDown };
}
