/**
 * Wires notifications for a command: channels from the environment / `.env` and kinds
 * from the config file's `notify` section make a notifier (`session_notifications.ts`
 * adds a session's Telegram commands).
 */
import {
  NOTIFY_KINDS,
  type NotifySection,
  resolveNotifyRoutes,
} from "../../config/notify_config.ts";
import {
  hasNotifyChannel,
  type NotifyEnv,
  notifySecrets,
  webhookOrigin,
} from "../../config/notify_env.ts";
import type { EventSink } from "../../core/events.ts";
import {
  discordChannel,
  type FetchFn,
  Notifier,
  type NotifierOptions,
  type NotifyChannel,
  telegramChannel,
  type TelegramCommandsOptions,
  webhookChannel,
} from "../../notify/mod.ts";

/** What a notifier is built from. */
export interface NotifySetup {
  /** The channels (from `loadNotifyEnv`). */
  readonly env: NotifyEnv;
  /** The config file's `notify` section (absent = every kind on every channel). */
  readonly section?: NotifySection;
  /** Shown before each message's title, e.g. `paper BTCUSDT`. */
  readonly label?: string;
  /** Where the notifier's own events go. */
  readonly log?: EventSink;
  readonly fetch?: FetchFn;
  /** Queue, timeout, retry, flush and clock settings (tests make them short). */
  readonly options?: Partial<Omit<NotifierOptions, "channels" | "kinds" | "log">>;
  /** Telegram command settings (tests: poll timeout, clock). */
  readonly commands?: Partial<
    Pick<TelegramCommandsOptions, "pollTimeoutS" | "maxCommandAgeMs" | "now" | "sleep">
  >;
}

/** The configured channels, in a fixed order: telegram, webhook, discord. */
export function buildChannels(setup: NotifySetup): NotifyChannel[] {
  const { env, label } = setup;
  const secrets = notifySecrets(env);
  const base = { label, fetch: setup.fetch, secrets, now: setup.options?.now };
  const out: NotifyChannel[] = [];
  if (env.telegram) out.push(telegramChannel({ ...base, ...env.telegram }));
  if (env.webhookUrl) out.push(webhookChannel({ ...base, url: env.webhookUrl }));
  if (env.discordWebhookUrl) out.push(discordChannel({ ...base, url: env.discordWebhookUrl }));
  return out;
}

/** A notifier for the configured channels and kinds; null when no channel is configured. */
export function createNotifier(setup: NotifySetup): Notifier | null {
  if (!hasNotifyChannel(setup.env)) return null;
  return new Notifier({
    ...setup.options,
    channels: buildChannels(setup),
    kinds: resolveNotifyRoutes(setup.section).kinds,
    log: setup.log,
  });
}

/** One line saying where notifications go (safe to print: no token, webhook origins only). */
export function describeChannels(env: NotifyEnv, section?: NotifySection): string {
  const routes = resolveNotifyRoutes(section);
  const parts: string[] = [];
  const kinds = (ch: "telegram" | "webhook" | "discord") => {
    const n = routes.kinds[ch].size;
    return n === NOTIFY_KINDS.length ? "" : n === 0 ? ", every kind off" : `, ${n} kinds`;
  };
  if (env.telegram) {
    parts.push(
      `telegram (chat ${env.telegram.chatId}${kinds("telegram")}${
        routes.telegramCommands ? "; /status and /kill from that chat" : ""
      })`,
    );
  }
  if (env.webhookUrl) parts.push(`webhook (${webhookOrigin(env.webhookUrl)}${kinds("webhook")})`);
  if (env.discordWebhookUrl) {
    parts.push(`discord (${webhookOrigin(env.discordWebhookUrl)}${kinds("discord")})`);
  }
  return parts.length ? `Notifications: ${parts.join(", ")}.` : "Notifications: none configured.";
}
