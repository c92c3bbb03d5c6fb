/**
 * Shared helpers of the session tests: temp workspaces, the real CLI as a subprocess,
 * session configs from flags, JSONL readers and a few feeds built on the mock feed.
 */
import { parseFlags } from "../../src/config/argv.ts";
import { NOTIFY_ENV_KEYS } from "../../src/config/notify_env.ts";
import {
  resolveSessionConfig,
  SESSION_FLAGS,
  type SessionConfig,
} from "../../src/config/session_config.ts";
import type { FeedCandle, MarketFeed } from "../../src/core/ports.ts";
import { MockLiveFeed, type MockLiveFeedOptions } from "../../src/data/mock_live_feed.ts";
import { HOME_ENV } from "../../src/ops/agent_home.ts";

/** The CLI entry of this checkout. */
export const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;

/** A fixed open time of the first live candle: 2024-03-01T00:00:00Z (a UTC day start). */
export const FIRST_LIVE_TS = Date.UTC(2024, 2, 1);

/** A temp folder with config/KILL_SWITCH.txt (FALSE); remove it with `cleanup`. */
export interface Workspace {
  readonly dir: string;
  readonly killSwitch: string;
  cleanup(): Promise<void>;
}

/** Creates a workspace for one run (runs/, logs/, paper/, config/ live inside it). */
export async function tempWorkspace(): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "la-session-" });
  await Deno.mkdir(`${dir}/config`, { recursive: true });
  const killSwitch = `${dir}/config/KILL_SWITCH.txt`;
  await Deno.writeTextFile(killSwitch, "FALSE\n");
  return {
    dir,
    killSwitch,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Variables of the developer's own set-up a test's child never inherits (`extra` may set them). */
const PRIVATE_VARS: ReadonlySet<string> = new Set<string>([
  ...NOTIFY_ENV_KEYS,
  "SKIP_LIVE_CONFIRM",
  // a home would send the child (and the .env it reads) out of the test's workspace
  HOME_ENV,
]);

/**
 * The parent environment without Bitunix settings, notification channels, the agent home
 * or the live-confirmation override: a child started in a test workspace reads only that
 * workspace's `.env` and never reaches the developer's exchange account or channels.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (k.startsWith("BITUNIX_") || PRIVATE_VARS.has(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Runs `fn` with the given variables set in this process's environment, then puts back
 * what was there (a test of what children or commands inherit).
 */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = new Map(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

/** Starts the real CLI (`deno run --allow-all main.ts ...`) in `cwd`. */
export function spawnCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN_TS, ...args],
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Output of a finished CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion. */
export async function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const out = await spawnCli(args, opts).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Waits until `cond()` holds, polling every 20 ms; throws after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** One JSONL record. */
// deno-lint-ignore no-explicit-any
export type Rec = Record<string, any>;

/** Reads a JSONL file (missing file = no records). */
export function readJsonl(path: string): Rec[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** Every file under `dir` (recursive, symlinks skipped). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await listFiles(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

/** A session config from CLI-style flags, with runs/logs/state/kill switch in `ws`. */
export function sessionConfig(
  ws: Workspace,
  args: string[] = [],
  mode: SessionConfig["mode"] = "live-session",
): SessionConfig {
  const { flags } = parseFlags([
    "--runs-dir",
    `${ws.dir}/runs`,
    "--logs-dir",
    `${ws.dir}/logs`,
    "--state",
    `${ws.dir}/paper/session-state.json`,
    "--kill-switch",
    ws.killSwitch,
    ...args,
  ], SESSION_FLAGS);
  return resolveSessionConfig(flags, mode, () => {});
}

/** A mock feed on fixed candles (FIRST_LIVE_TS) that never waits between candles. */
export function fastMockFeed(
  config: SessionConfig,
  opts: Partial<MockLiveFeedOptions> = {},
): MockLiveFeed {
  return new MockLiveFeed({
    interval: config.interval,
    seed: config.seed,
    warmup: config.warmup,
    speed: config.speed,
    firstLiveTs: FIRST_LIVE_TS,
    maxLive: 120,
    sleep: () => Promise.resolve(),
    ...opts,
  });
}

/**
 * Wraps a feed: `before(fc, liveIndex)` runs before each candle is handed on (set the
 * venue's price, trip the kill switch...). `liveIndex` counts live candles from 0.
 */
export function tapFeed(
  inner: MarketFeed,
  before: (fc: FeedCandle, liveIndex: number) => void | Promise<void>,
): MarketFeed & { readonly lastMessageAt?: number } {
  return {
    get lastMessageAt() {
      return (inner as { lastMessageAt?: number }).lastMessageAt;
    },
    async *candles() {
      let n = 0;
      for await (const fc of inner.candles()) {
        await before(fc, fc.live ? n : -1);
        if (fc.live) n++;
        yield fc;
      }
    },
    close: () => inner.close(),
  };
}

/** Delivers `candles` then goes silent (no candles, no messages) until closed. */
export class SilentAfterFeed implements MarketFeed {
  #release: (() => void) | undefined;
  #closed = false;
  constructor(readonly items: readonly FeedCandle[]) {}

  async *candles(): AsyncIterable<FeedCandle> {
    for (const fc of this.items) {
      if (this.#closed) return;
      yield fc;
    }
    if (this.#closed) return;
    await new Promise<void>((r) => this.#release = r);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#release?.();
    return Promise.resolve();
  }
}

/** Collects every candle of a feed (for feeds that end by themselves). */
export async function collect(feed: MarketFeed): Promise<FeedCandle[]> {
  const out: FeedCandle[] = [];
  for await (const fc of feed.candles()) out.push(fc);
  return out;
}

/** The run folder of a finished session (the one dir under runs/ that is not latest). */
export function onlyRunDir(ws: Workspace): string {
  const dirs = [...Deno.readDirSync(`${ws.dir}/runs`)].filter((e) =>
    e.isDirectory && e.name !== "latest"
  );
  if (dirs.length !== 1) throw new Error(`expected one run dir, got ${dirs.length}`);
  return `${ws.dir}/runs/${dirs[0].name}`;
}

/** Strategy flags that trade often on few candles. */
export const QUICK_TRADES: readonly string[] = ["--fast", "3", "--slow", "6", "--warmup", "10"];

/**
 * A short live session on the venue's own candles (1m bars over the WebSocket; with
 * `startFastMarket` one closes every 0.2 s), orders to the venue in BITUNIX_BASE_URL.
 */
export const LIVE_CLI_ARGS: readonly string[] = [
  "--mode",
  "live-session",
  "--source",
  "bitunix",
  "--async",
  "--interval",
  "1m",
  "--execution-mode",
  "live",
  ...QUICK_TRADES,
  "--duration",
  "0.06",
  "--kill-switch",
  "config/KILL_SWITCH.txt",
];
