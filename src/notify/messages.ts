/**
 * From events to notifications: which events of the session, the supervisor and the
 * monitor are worth a message, of which kind, with what words. Everything else (steps,
 * candles, orders placed, the notifier's own events) is not sent.
 */
import type { NotifyKind } from "../config/notify_config.ts";
import type { LogLevel } from "../core/events.ts";

/** What a notification is: its kind (a config key), or a command reply or a test. */
export type NoticeKind = NotifyKind | "reply" | "test";

/** One notification, channel-neutral. */
export interface Notice {
  readonly kind: NoticeKind;
  /** The event it came from (`order.filled`), or `notify.reply` / `notify.test`. */
  readonly event: string;
  readonly level: LogLevel;
  /** A few words: `Entry filled`, `Kill switch tripped`. */
  readonly title: string;
  /** The detail, one or more lines. */
  readonly text: string;
  /** The event's fields, for machine consumers (the JSON webhook). */
  readonly fields: Readonly<Record<string, unknown>>;
}

type Fields = Record<string, unknown>;

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** A quantity or price without float noise: at most 8 decimals, trailing zeros cut. */
function formatNumber(v: unknown): string {
  const n = num(v);
  if (n === undefined) return String(v ?? "?");
  return String(Number(n.toFixed(8)));
}

const money = (v: unknown): string => {
  const n = num(v);
  return n === undefined ? String(v ?? "?") : `${n >= 0 ? "" : "-"}${Math.abs(n).toFixed(2)}`;
};

const signedMoney = (v: unknown): string => {
  const n = num(v);
  return n === undefined
    ? String(v ?? "?")
    : `${n > 0 ? "+" : n < 0 ? "-" : ""}${Math.abs(n).toFixed(2)}`;
};

const latency = (f: Fields) =>
  num(f.latency_sec) !== undefined ? `, latency ${(f.latency_sec as number).toFixed(3)} s` : "";

function fill(f: Fields): Pick<Notice, "kind" | "title" | "text" | "level"> {
  const side = String(f.side ?? "?");
  const what = `${side} ${formatNumber(f.qty)} at ${formatNumber(f.price)}`;
  const recovered = f.recovered ? " (booked after a restart)" : "";
  if (f.reason === "entry") {
    const dir = side === "buy" ? "long" : side === "sell" ? "short" : side;
    return {
      kind: "entry",
      level: "info",
      title: `Entry filled: ${dir}`,
      text: `${what}, fee ${money(f.fee)}${latency(f)}${recovered}`,
    };
  }
  const pnl = num(f.pnl) !== undefined ? `, pnl ${signedMoney(f.pnl)}` : "";
  return {
    kind: "exit",
    level: "info",
    title: `Exit filled (${String(f.reason ?? "exit")})`,
    text: `${what}${pnl}, fee ${money(f.fee)}${latency(f)}${recovered}`,
  };
}

function riskState(f: Fields): Pick<Notice, "title" | "text" | "level"> | null {
  // a stop halts the gate too; the session's stop message says that
  if (f.shutdown === true) return null;
  const to = String(f.to ?? "?");
  const reason = typeof f.reason === "string" ? f.reason : "";
  if (to === "reducing") {
    return {
      level: "warn",
      title: "Risk gate REDUCING: daily loss limit reached",
      text: `loss ${money(f.daily_loss)} of the ${
        money(f.limit)
      } USD daily limit: no new entries until the next UTC day; exits still pass`,
    };
  }
  if (to === "halted") {
    return {
      level: "error",
      title: "Risk gate HALTED",
      text: `new entries blocked: ${reason || "halted"}; exits and cancels still pass`,
    };
  }
  return { level: "info", title: `Risk gate ${to.toUpperCase()}`, text: `was ${f.from ?? "?"}` };
}

function runStarted(f: Fields): string {
  const c = (f.config ?? {}) as Fields;
  const parts = [
    c.execution_mode ?? c.mode,
    c.symbol,
    c.interval,
    c.strategy,
  ].filter((x) => x !== undefined).map(String);
  const notes = [
    c.continued_run ? "continues the unfinished run" : c.resumed ? "resumed its state" : "",
  ].filter(Boolean);
  return `${parts.join(" ")}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

function runStopped(f: Fields): string {
  const bits = [`${f.trades ?? 0} trades`];
  if (num(f.equity) !== undefined) bits.push(`equity ${money(f.equity)}`);
  bits.push(`position ${f.position ?? "flat"}`);
  if (num(f.cancelled)) bits.push(`${f.cancelled} orders cancelled`);
  return bits.join(", ");
}

/**
 * The notification an event makes, or null when it makes none. Pure: the same event
 * always gives the same notice.
 */
export function noticeOf(
  level: LogLevel,
  _component: string,
  event: string,
  fields: Fields = {},
): Notice | null {
  const make = (n: Pick<Notice, "kind" | "title" | "text"> & { level?: LogLevel }): Notice => ({
    level,
    ...n,
    event,
    fields,
  });
  switch (event) {
    case "order.filled":
      return make(fill(fields));
    case "order.failed":
      return make({
        kind: "order_refused",
        title: "Order refused by the venue",
        text: `${fields.intent ?? "?"} order ${fields.clientId ?? ""}: ${fields.error ?? "?"}${
          fields.intent === "entry" ? "; new entries halted" : ""
        }`,
      });
    case "risk.state_changed": {
      const r = riskState(fields);
      return r ? make({ kind: "risk_state", ...r }) : null;
    }
    case "killswitch.tripped":
      return make({
        kind: "killswitch",
        title: "Kill switch tripped",
        text: `KILL SWITCH DETECTED! New orders are blocked; exits and cancels still pass. ` +
          `${fields.path ?? ""} (${fields.reason ?? "?"})`,
      });
    case "killswitch.reset":
      return make({
        kind: "killswitch",
        title: "Kill switch reset",
        text: `new orders are allowed again (${fields.path ?? ""})`,
      });
    case "data.stale":
      return make({
        kind: "stale_data",
        title: "Stale data: safety shutdown",
        text: `nothing from the market for ${Math.round(num(fields.seconds) ?? 0)} s (limit ${
          fields.timeout_s ?? "?"
        } s): no new orders, working orders cancelled, state saved; exit 3 (the watchdog restarts it)`,
      });
    case "position.mismatch":
      return make({
        kind: "safety",
        title: "Position mismatch with the venue",
        text: String(
          fields.message ?? "entries halted until the agent's and the venue's position agree",
        ),
      });
    case "protection.failed":
      return make({
        kind: "safety",
        title: "Stop-loss could not be placed",
        text: `the position is closed and trading halted: ${fields.error ?? "?"}`,
      });
    case "risk.breached":
      return make({
        kind: "safety",
        title: "Position cap breached at the fill",
        text: `notional ${money(fields.notional)} over the cap ${
          money(fields.maxNotional)
        }: reducing by ${formatNumber(fields.excessQty)}`,
      });
    case "supervisor.restarted":
      return make({
        kind: "restart",
        title: "Agent restarted by the watchdog",
        text: String(fields.message ?? fields.reason ?? ""),
      });
    case "supervisor.gave_up":
      return make({
        kind: "gave_up",
        title: "Watchdog gave up: the agent is NOT running",
        text: String(fields.message ?? fields.reason ?? ""),
      });
    case "supervisor.child_stale":
      return make({
        kind: "heartbeat_missed",
        title: "Heartbeat missed: the agent looks frozen",
        text: `${fields.message ?? fields.reason ?? ""} (the watchdog restarts it)`,
      });
    case "heartbeat.missed":
      return make({
        kind: "heartbeat_missed",
        title: "Heartbeat missed: the agent may be frozen or down",
        text: String(fields.message ?? ""),
      });
    case "heartbeat.recovered":
      return make({
        kind: "heartbeat_missed",
        title: "Heartbeat back",
        text: String(fields.message ?? ""),
      });
    case "run.started":
      return make({ kind: "session", title: "Session started", text: runStarted(fields) });
    case "run.stopped":
      return make({
        kind: "session",
        title: `Session stopped (${fields.reason ?? "?"})`,
        text: runStopped(fields),
      });
    case "session.daily_summary":
      return make({
        kind: "daily_summary",
        title: `Daily summary ${fields.day ?? ""}`.trim(),
        text: `pnl ${signedMoney(fields.pnl)}, ${fields.trades ?? 0} trades closed, equity ${
          money(fields.equity)
        }`,
      });
    default:
      return null;
  }
}
