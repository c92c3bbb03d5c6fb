import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, parseFlags } from "../../config/argv.ts";
import { resolveNotifyRoutes } from "../../config/notify_config.ts";
import {
  hasNotifyChannel,
  loadNotifyEnv,
  type LoadNotifyEnvOptions,
  NOTIFY_ENV_KEYS,
} from "../../config/notify_env.ts";
import { NOTIFY_CHANNELS } from "../../config/notify_config.ts";
import { InputError } from "../../core/errors.ts";
import { type FetchFn, type Notice, sendWithin } from "../../notify/mod.ts";
import type { Command } from "../command.ts";
import { readConfigFile } from "../_flags.ts";
import { buildChannels } from "./notifications.ts";

const SPEC: FlagSpec = {
  config: {
    schema: z.string().min(1).optional(),
    help: "JSON config file; its notify section is shown next to each channel",
  },
  timeout: {
    schema: numberFlag({ min: 0.1, max: 120 }).default(10),
    help: "seconds each channel has to answer (default 10)",
  },
};

/** What the notify command needs from the outside (injected in tests). */
export interface NotifyCommandDeps {
  /** Where the channels are read from (default the environment and `.env`). */
  readonly env?: LoadNotifyEnvOptions;
  readonly fetch?: FetchFn;
  readonly now?: () => number;
  /** Console output (default stdout). */
  readonly out?: (line: string) => void;
}

function help(): string {
  return [
    "notify test: send a test message to each configured notification channel and say which",
    "worked. Exit 0 only when every configured channel took it; 1 when one failed or none is",
    "configured.",
    "",
    `Channels come from the environment or .env: ${NOTIFY_ENV_KEYS.join(", ")}.`,
    "",
    "Usage: laptop-agents notify test [--config FILE] [--timeout SECONDS]",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Builds the `notify` command with injectable env, fetch, clock and output. */
export function createNotifyCommand(deps: NotifyCommandDeps = {}): Command {
  const out = deps.out ?? ((line: string) => console.log(line));
  const now = deps.now ?? Date.now;
  return {
    name: "notify",
    summary: "notify test: send a test message to each configured channel",
    help,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (sub !== "test") {
        throw new InputError(`notify ${sub ?? ""}`.trim(), "notify test (the only subcommand)");
      }
      const { flags } = parseFlags(rest, SPEC);
      const section = flags.config
        ? (await readConfigFile(flags.config as string)).notify
        : undefined;
      const env = loadNotifyEnv(deps.env);
      if (!hasNotifyChannel(env)) {
        out(
          "No notification channel configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, " +
            "WEBHOOK_URL or DISCORD_WEBHOOK_URL in the environment or .env. Nothing was sent.",
        );
        return 1;
      }
      const routes = resolveNotifyRoutes(section);
      const channels = buildChannels({ env, label: "notify test", fetch: deps.fetch });
      const notice: Notice = {
        kind: "test",
        event: "notify.test",
        level: "info",
        title: "Test message",
        text: `laptop-agents reached this channel at ${
          new Date(now()).toISOString()
        } (notify test).`,
        fields: {},
      };
      const timeoutMs = (flags.timeout as number) * 1000;
      const results = await Promise.all(
        channels.map((c) => sendWithin(c, notice, timeoutMs)),
      );
      let ok = true;
      for (const name of NOTIFY_CHANNELS) {
        const i = channels.findIndex((c) => c.name === name);
        if (i === -1) {
          out(`${name.padEnd(9)} not configured`);
          continue;
        }
        const r = results[i];
        const off = routes.kinds[name].size === 0 ? " (the config turns every kind off)" : "";
        if (r.ok) out(`${name.padEnd(9)} OK${off}`);
        else {
          ok = false;
          const wait = r.retryAfterMs !== undefined
            ? ` (rate limited: retry after ${Math.ceil(r.retryAfterMs / 1000)} s)`
            : "";
          out(`${name.padEnd(9)} FAILED: ${r.error}${wait}${off}`);
        }
      }
      return ok ? 0 : 1;
    },
  };
}

/** The `notify` command. */
export const command: Command = createNotifyCommand();
