import { z } from "zod";
import { type FlagSpec, formatFlagHelp, parseFlags } from "../../config/argv.ts";
import { loadBitunixEnv, redactText } from "../../config/env.ts";
import type { VenuePosition } from "../../core/order.ts";
import { BitunixExchange, BitunixRestClient } from "../../exchange/bitunix/mod.ts";
import { DEFAULT_KILL_SWITCH_PATH, tripKillSwitch } from "../../ops/kill_switch.ts";
import type { Command } from "../command.ts";
import { describePaperState, loadPaperState } from "../session/paper_state.ts";

/** Default paper state file: the one paper sessions (`--mode live-session`) use. */
export const DEFAULT_PAPER_STATE = "paper/session-state.json";

/** The state file of the legacy `--mode live` paper loop. */
const LEGACY_PAPER_STATE = "paper/state.json";

const SPEC: FlagSpec = {
  "kill-switch": {
    schema: z.string().min(1).default(DEFAULT_KILL_SWITCH_PATH),
    help: `kill switch file (default ${DEFAULT_KILL_SWITCH_PATH})`,
  },
  "execution-mode": {
    schema: z.enum(["live", "paper"], { error: "live or paper" }).default("live"),
    help: "live (default): cancel and close on Bitunix; paper: trip the switch only",
  },
  symbol: {
    schema: z.string().regex(/^[A-Z0-9]{2,20}$/, "a symbol like BTCUSDT").default("BTCUSDT"),
    help: "symbol to flatten (default BTCUSDT)",
  },
  state: {
    schema: z.string().min(1).optional(),
    help: `paper state file (default ${DEFAULT_PAPER_STATE}, as sessions use)`,
  },
};

function help(): string {
  return [
    "flatten: the emergency stop. Trips the kill switch first (no new orders from any",
    "running agent), then on Bitunix cancels every working order of the symbol and closes",
    "the position with a reduce-only market order, and reads the position back.",
    "Credentials come from BITUNIX_API_KEY / BITUNIX_API_SECRET (environment or .env).",
    "",
    "Usage: laptop-agents flatten [--symbol BTCUSDT] [--execution-mode live|paper] [--state PATH]",
    `Paper: reads the state file paper sessions use (${DEFAULT_PAPER_STATE}; --state for`,
    `another, e.g. ${LEGACY_PAPER_STATE} of the legacy --mode live loop) and says what it holds.`,
    "Exit codes: 0 flat at the end, 1 not flat or an exchange error, 2 bad input or no keys.",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Dependencies of the flatten command; tests inject env, clock and output. */
export interface FlattenDeps {
  readonly out?: (line: string) => void;
  /** Environment lookup (default `Deno.env.get`). */
  readonly getEnv?: (name: string) => string | undefined;
  /** `.env` path (default `.env`). */
  readonly envFile?: string;
  /** Unix ms (default Date.now); the close order's client id uses the current minute. */
  readonly now?: () => number;
}

/** Deterministic client id of the closing order: same symbol and minute, same id. */
export function flattenClientId(symbol: string, nowMs: number): string {
  return `laflat-${symbol.toLowerCase()}-${Math.floor(nowMs / 60_000).toString(36)}`;
}

const posText = (p: VenuePosition) => `${p.side.toUpperCase()} ${p.qty} ${p.symbol}`;

async function flattenLive(
  symbol: string,
  deps: FlattenDeps,
  out: (line: string) => void,
): Promise<number> {
  const env = loadBitunixEnv({
    getEnv: deps.getEnv,
    envFile: deps.envFile,
    requireCredentials: true,
  });
  const now = deps.now ?? Date.now;
  const client = new BitunixRestClient({
    baseUrl: env.baseUrl,
    apiKey: env.apiKey,
    apiSecret: env.apiSecret,
    now,
  });
  const ex = new BitunixExchange(client, { now });
  const done: string[] = [];
  try {
    const cancelled = await ex.cancelAll(symbol);
    done.push(`Cancelled ${cancelled} order${cancelled === 1 ? "" : "s"}`);
    const pos = await ex.position(symbol);
    if (pos === null) done.push(`no ${symbol} position to close`);
    else {
      const ack = await ex.placeOrder({
        clientId: flattenClientId(symbol, now()),
        symbol,
        side: pos.side === "long" ? "sell" : "buy",
        qty: pos.qty,
        intent: "flatten",
        reduceOnly: true,
        refPrice: pos.entryPrice,
      });
      done.push(
        ack.duplicate
          ? `close order ${ack.clientId} for ${posText(pos)} was already sent this minute`
          : `closed ${posText(pos)}`,
      );
    }
    const after = await ex.position(symbol);
    done.push(after === null ? "position now flat" : `position still ${posText(after)}`);
    out(done.join("; "));
    return after === null ? 0 : 1;
  } catch (e) {
    const msg = redactText(e instanceof Error ? e.message : String(e), [
      env.apiKey,
      env.apiSecret,
    ]);
    if (done.length) out(done.join("; "));
    out(`Flatten failed: ${msg}. The kill switch stays tripped; check the venue and retry.`);
    return 1;
  }
}

async function flattenPaper(
  path: string,
  given: boolean,
  out: (line: string) => void,
): Promise<number> {
  const state = loadPaperState(path);
  if (state === null) {
    let legacy = "";
    if (!given && (await Deno.stat(LEGACY_PAPER_STATE).then(() => true, () => false))) {
      legacy = ` (the legacy --mode live loop keeps its state in ${LEGACY_PAPER_STATE}: ` +
        `pass --state ${LEGACY_PAPER_STATE})`;
    }
    out(`No paper state at ${path}: nothing to flatten${legacy}.`);
    return 0;
  }
  const p = state.position;
  const held = p
    ? `an open paper ${p.side.toUpperCase()} ${p.qty} position at ${p.entryPrice} ` +
      `(stop ${p.stopPrice}, take-profit ${p.tpPrice}) keeps its stop and take-profit`
    : "no paper position is open";
  out(
    `Paper state at ${path} (${describePaperState(state)}): kill switch tripped, so the ` +
      `paper session places no new entries; ${held}. Stop the session (Ctrl+C) to end it; ` +
      `nothing real is at risk in paper mode.`,
  );
  return 0;
}

/** Builds the `flatten` command (the emergency stop). */
export function createFlattenCommand(deps: FlattenDeps = {}): Command {
  const out = deps.out ?? ((line: string) => console.log(line));
  return {
    name: "flatten",
    summary: "emergency stop: trip the kill switch, cancel all orders, close the position",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const ks = flags["kill-switch"] as string;
      let switchOk = true;
      try {
        tripKillSwitch(ks);
        out(`KILL SWITCH TRIPPED: wrote TRUE to ${ks}. Running agents block new orders.`);
      } catch (e) {
        switchOk = false;
        out(`Cannot write kill switch ${ks}: ${e instanceof Error ? e.message : e}`);
      }
      const code = flags["execution-mode"] === "paper"
        ? await flattenPaper(
          (flags.state as string | undefined) ?? DEFAULT_PAPER_STATE,
          flags.state !== undefined,
          out,
        )
        : await flattenLive(flags.symbol as string, deps, out);
      return switchOk ? code : Math.max(code, 1);
    },
  };
}

/** The `flatten` command: emergency stop. */
export const command: Command = createFlattenCommand();
