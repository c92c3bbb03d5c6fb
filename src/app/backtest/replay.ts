import { z } from "zod";
import { type FlagSpec, formatFlagHelp, parseFlags } from "../../config/argv.ts";
import { InputError, isInputError } from "../../core/errors.ts";
import { loadStrategy } from "../../strategy/mod.ts";
import {
  formatReplayReport,
  parseRecordedRun,
  REPLAY_ACCEPTS,
  replayRecordedRun,
  type ReplayReport,
} from "../../engine/replay_compare.ts";
import { SimExchange } from "../../exchange/sim/sim_exchange.ts";
import type { Command } from "../command.ts";

const SPEC: FlagSpec = {
  replay: {
    schema: z.string({ error: "a path to a recorded events.jsonl" }).min(1),
    help: "recorded events.jsonl of a run (orchestrated, paper or live, with step records)",
  },
  json: { schema: z.boolean(), boolean: true, help: "print the report as JSON" },
};

function help(): string {
  return [
    "replay: re-run a recorded events.jsonl through a fresh agent pipeline on the simulated",
    "venue and compare every signal and risk decision with the recorded one. Also prints",
    "the trades hash of a plain backtest over the same candles. Accepts the events.jsonl of",
    "an orchestrated run (--mode orchestrated) or of a paper or live session; a backtest's",
    "events.jsonl holds only its fills (no step records) and cannot be replayed.",
    "",
    "Usage: laptop-agents --replay PATH [--json]",
    "Exit codes: 0 all decisions match, 1 a difference was found, 2 bad file.",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Reads a replay file as lines; a missing or unreadable file is an InputError. */
export async function readReplayLines(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "not found" : "unreadable";
    throw new InputError(`replay file ${path}`, `expected a readable events.jsonl (${why})`);
  }
  return text.split("\n");
}

/**
 * Refuses a backtest's journal by its run.started line: it holds the run's fills, not
 * the agent steps a replay compares.
 */
function refuseBacktestJournal(lines: readonly string[], path: string): void {
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes('"run.started"')) continue;
    let rec: { event?: unknown; config?: { mode?: unknown } };
    try {
      rec = JSON.parse(lines[i]);
    } catch {
      return; // the parser names the bad line
    }
    if (rec?.event !== "run.started") continue;
    if (rec.config?.mode === "backtest") {
      throw new InputError(
        `replay file ${path} line ${i + 1}`,
        "expected a run with agent step records, but this is a backtest's journal (run " +
          `start, fills and run end only); ${REPLAY_ACCEPTS}`,
      );
    }
    return;
  }
}

/** Loads the strategy file a recorded run names (it must still be where the run found it). */
async function loadRecordedStrategy(file: string, path: string): Promise<void> {
  try {
    await loadStrategy(file, "/");
  } catch (e) {
    if (!isInputError(e)) throw e;
    throw new InputError(
      `replay file ${path}: the run's strategy file ${file}`,
      e.expected,
    );
  }
}

/** Replays the recorded run at `path` on a fresh SimExchange. */
export async function replayFile(path: string): Promise<ReplayReport> {
  const lines = await readReplayLines(path);
  refuseBacktestJournal(lines, path);
  const run = parseRecordedRun(lines, path);
  if (run.config.strategy_file) await loadRecordedStrategy(run.config.strategy_file, path);
  return await replayRecordedRun(
    run,
    (p) => new SimExchange({ feeBps: p.feeBps, slippageBps: p.slippageBps, intrabar: p.intrabar }),
  );
}

/** Builds the `replay` command with injectable output. */
export function createReplayCommand(deps: { out?: (line: string) => void } = {}): Command {
  const out = deps.out ?? ((line: string) => console.log(line));
  return {
    name: "replay",
    summary: "replay a recorded events.jsonl and compare every decision (--replay PATH)",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const path = flags.replay as string;
      const report = await replayFile(path);
      if (flags.json) out(JSON.stringify(report));
      else {
        out(formatReplayReport(path, report));
        out(
          `Backtest of the same candles: ${report.backtestTrades} trades, ` +
            `trades_hash ${report.backtestTradesHash}`,
        );
      }
      return report.matched ? 0 : 1;
    },
  };
}

/** The `replay` command (`--replay PATH`). */
export const command: Command = createReplayCommand();
