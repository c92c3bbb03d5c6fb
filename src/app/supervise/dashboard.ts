/**
 * The `dashboard` command and {@link startDashboardServer}, which a session's
 * `--dashboard` flag calls to serve its live read model.
 *
 * @module
 */
import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag } from "../../config/argv.ts";
import { createDashboard } from "../../dashboard/live/app.ts";
import type { RunSummary } from "../../dashboard/live/deps.ts";
import { LiveReadModel } from "../../dashboard/live/read_model.ts";
import { readHeartbeat } from "../../ops/heartbeat.ts";
import { readKillSwitch, tripKillSwitch } from "../../ops/kill_switch.ts";
import { tailLog } from "../../ops/log_tail.ts";
import { listRuns, readRunSummaryHtml } from "../../ops/run_history.ts";
import type { Command } from "../command.ts";
import { parseCommandFlags } from "../_flags.ts";

/** Flags of the `dashboard` command. */
export const DASHBOARD_FLAGS: FlagSpec = {
  port: {
    schema: numberFlag({ int: true, min: 0, max: 65535 }).default(5000),
    help: "port to listen on (default 5000; 0 = any free port)",
  },
  host: {
    schema: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, "a host name or IP address")
      .default("127.0.0.1"),
    help: "address to bind (default 127.0.0.1; anything else is reachable from the network)",
  },
  "runs-dir": { schema: z.string().min(1).default("runs"), help: "run folders (default runs)" },
  "logs-dir": { schema: z.string().min(1).default("logs"), help: "logs folder (default logs)" },
  "kill-switch": {
    schema: z.string().min(1).default("config/KILL_SWITCH.txt"),
    help: "kill switch file (default config/KILL_SWITCH.txt)",
  },
};

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Address to bind; anything but loopback prints a warning. */
  readonly host: string;
  /** The live read model a session feeds (an empty one shows history only). */
  readonly readModel: LiveReadModel;
  readonly runsDir: string;
  /** Holds `system.jsonl` and `heartbeat.json`. */
  readonly logsDir: string;
  readonly killSwitchPath: string;
  /** Aborting closes the server. */
  readonly signal?: AbortSignal;
  /** Where the URL and warnings go (default console.error). */
  readonly print?: (line: string) => void;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** e.g. `http://127.0.0.1:5000/`. */
  readonly url: string;
  readonly port: number;
  /** Ends open SSE streams and stops the server; resolves when it has stopped. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** A fresh random token: 32 bytes as 64 hex characters. */
export function newDashboardToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `host:port` values the Host header may carry for a server on `host`:`port`. */
export function allowedHostsFor(host: string, port: number): string[] {
  const names = new Set(["127.0.0.1", "localhost", "[::1]"]);
  if (!LOOPBACK.has(host)) names.add(host.includes(":") ? `[${host}]` : host);
  const out: string[] = [];
  for (const n of names) {
    out.push(`${n}:${port}`);
    if (port === 80) out.push(n);
  }
  return out;
}

/**
 * Serves the live dashboard for `readModel` on `host`:`port` and prints its URL. Past
 * runs come from `runsDir`, logs and heartbeat from `logsDir`, the kill switch from
 * `killSwitchPath` (tripping writes `TRUE` atomically).
 */
export async function startDashboardServer(
  opts: DashboardServerOptions,
): Promise<DashboardServer> {
  const print = opts.print ?? ((line: string) => console.error(line));
  if (!LOOPBACK.has(opts.host)) {
    print(
      `WARNING: dashboard bound to ${opts.host}, not 127.0.0.1: anyone who can reach this ` +
        "address can see the dashboard. Use --host 127.0.0.1 unless you mean it.",
    );
  }
  const shutdown = new AbortController();
  let handler: (req: Request) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  const server = Deno.serve(
    { port: opts.port, hostname: opts.host, signal: shutdown.signal, onListen: () => {} },
    (req) => handler(req),
  );
  const port = server.addr.port;
  const app = createDashboard({
    readModel: opts.readModel,
    killSwitch: {
      read: async () => (await readKillSwitch(opts.killSwitchPath)).tripped,
      trip: () => Promise.resolve(tripKillSwitch(opts.killSwitchPath)),
    },
    runs: {
      list: async (): Promise<RunSummary[]> => (await listRuns(opts.runsDir)).runs,
      summaryHtml: (id) => readRunSummaryHtml(opts.runsDir, id),
    },
    logs: { tail: (limit, level) => tailLog(`${opts.logsDir}/system.jsonl`, limit, level) },
    heartbeat: async () => {
      const hb = await readHeartbeat(`${opts.logsDir}/heartbeat.json`);
      return hb.status === "ok" ? hb.heartbeat : null;
    },
    now: () => Date.now(),
    token: newDashboardToken(),
    allowedHosts: allowedHostsFor(opts.host, port),
    signal: shutdown.signal,
  });
  handler = (req) => app.fetch(req);

  const shownHost = LOOPBACK.has(opts.host) || opts.host === "0.0.0.0" || opts.host === "::"
    ? "127.0.0.1"
    : opts.host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}/`;
  print(`Dashboard: ${url}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      opts.signal?.removeEventListener("abort", onAbort);
      shutdown.abort();
      await server.finished;
    })();
    return closing;
  };
  const onAbort = () => void close();
  if (opts.signal?.aborted) await close();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  return { url, port, close };
}

/** `dashboard`: serves the dashboard (run history, logs, kill switch) until Ctrl+C. */
export const command: Command = {
  name: "dashboard",
  summary: "local web dashboard: run history, logs, kill switch (http://127.0.0.1:5000)",
  help: () =>
    [
      "Usage: laptop-agents dashboard [flags]",
      "",
      "Serves the local web dashboard: run history with links to each summary.html, the",
      "system log with a level filter, heartbeat age and the kill switch. Live charts fill",
      "in when a session runs with --dashboard. Stop with Ctrl+C.",
      "",
      "Flags:",
      formatFlagHelp(DASHBOARD_FLAGS),
    ].join("\n"),
  run: async (argv) => {
    const { flags } = await parseCommandFlags(argv, DASHBOARD_FLAGS);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    Deno.addSignalListener("SIGINT", onSignal);
    try {
      const server = await startDashboardServer({
        port: flags.port as number,
        host: flags.host as string,
        readModel: new LiveReadModel(),
        runsDir: flags["runs-dir"] as string,
        logsDir: flags["logs-dir"] as string,
        killSwitchPath: flags["kill-switch"] as string,
        signal: stop.signal,
      });
      console.error("Press Ctrl+C to stop.");
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) resolve();
        stop.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await server.close();
      return 0;
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
    }
  },
};
