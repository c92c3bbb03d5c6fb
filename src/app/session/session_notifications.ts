/**
 * A session's notifications: the notifier teed into its events, and Telegram's `/status`
 * (from the heartbeat) and `/kill` (on the session's own kill switch file, the one its
 * watcher reads, so the session logs `KILL SWITCH DETECTED!`).
 */
import { resolveNotifyRoutes } from "../../config/notify_config.ts";
import { notifySecrets } from "../../config/notify_env.ts";
import type { SessionConfig } from "../../config/session_config.ts";
import type { EventSink } from "../../core/events.ts";
import { type Notifier, TelegramCommands } from "../../notify/mod.ts";
import { readHeartbeat } from "../../ops/heartbeat.ts";
import { RelaySink } from "../../ops/relay_sink.ts";
import {
  absoluteKillSwitchPath,
  readKillSwitchSync,
  tripKillSwitch,
} from "../../ops/kill_switch.ts";
import { describeHeartbeat } from "../supervise/monitor.ts";
import { createNotifier, type NotifySetup } from "../notify/notifications.ts";
import { describeKillSwitch } from "../supervise/status.ts";

/** A session's notifications: an event sink to tee into the session's, closed at its end. */
export interface SessionNotifications extends EventSink {
  readonly notifier: Notifier;
  /** The Telegram command poller, when Telegram is configured and commands are on. */
  readonly commands: TelegramCommands | null;
  /**
   * Where the notifier's and the commands' own events go from now on (the session's
   * system log); those before are kept and passed on.
   */
  connectLog(log: EventSink): void;
  /** Stops the commands, then flushes the notifier for a bounded time. Idempotent. */
  close(): Promise<void>;
}

/** `/status`: the heartbeat and the kill switch of this session. */
async function sessionStatusText(
  config: SessionConfig,
  now: () => number,
): Promise<string> {
  const hb = await readHeartbeat(`${config.logsDir}/heartbeat.json`);
  const ks = readKillSwitchSync(config.killSwitchPath);
  return [
    hb.status === "ok" ? describeHeartbeat(hb.heartbeat, now()) : hb.message,
    `kill switch: ${describeKillSwitch(ks)}`,
  ].join("\n");
}

/** `/kill`: trips the session's own kill switch file (the one it watches) and says so. */
function killFromTelegram(config: SessionConfig): string {
  const path = absoluteKillSwitchPath(config.killSwitchPath);
  const before = readKillSwitchSync(path);
  tripKillSwitch(path);
  const after = readKillSwitchSync(path);
  if (!after.tripped) throw new Error(`wrote TRUE to ${path} but it does not read as tripped`);
  return `KILL SWITCH TRIPPED: wrote TRUE to ${path} (${
    before.tripped ? "already tripped" : "was off"
  }). New orders are blocked; exits and cancels still pass. Undo with: kill --reset`;
}

/**
 * Notifications of a session, or null when no channel is configured: the notifier, and
 * Telegram's `/status` and `/kill` unless the config turned commands off.
 */
export function sessionNotifications(
  config: SessionConfig,
  setup: Omit<NotifySetup, "label" | "log">,
): SessionNotifications | null {
  const label = `${config.executionMode} ${config.symbol}`;
  const log = new RelaySink();
  const notifier = createNotifier({ ...setup, label, log });
  if (!notifier) return null;
  const tg = setup.env.telegram;
  const now = setup.commands?.now ?? setup.options?.now ?? Date.now;
  const commands = tg && resolveNotifyRoutes(setup.section).telegramCommands
    ? new TelegramCommands({
      ...tg,
      ...setup.commands,
      fetch: setup.fetch,
      log,
      secrets: notifySecrets(setup.env),
      handlers: {
        status: () => sessionStatusText(config, now),
        kill: () => killFromTelegram(config),
      },
      reply: (text, command) =>
        notifier.notify({
          kind: "reply",
          event: "notify.reply",
          level: command === "kill" ? "warn" : "info",
          title: `/${command}`,
          text,
          fields: { command },
        }),
    })
    : null;
  commands?.start();
  let closing: Promise<void> | undefined;
  return {
    notifier,
    commands,
    emit: (level, component, event, fields) => notifier.emit(level, component, event, fields),
    connectLog: (sink) => log.connect(sink),
    close() {
      closing ??= (async () => {
        await commands?.close();
        await notifier.close();
      })();
      return closing;
    },
  };
}
