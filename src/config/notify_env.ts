/**
 * Notification channels from the environment or a `.env` file in the working directory
 * (the environment wins), like the Bitunix settings: `TELEGRAM_BOT_TOKEN`,
 * `TELEGRAM_CHAT_ID`, `TELEGRAM_API_URL`, `WEBHOOK_URL`, `DISCORD_WEBHOOK_URL`. The bot
 * token and both webhook URLs are secrets (a webhook URL carries its own token): they are
 * never echoed in an error and {@link notifySecrets} lists what to redact.
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { baseUrlWith, type EnvSourceOptions, readEnvKeys, urlWith } from "./env.ts";

/** Default Telegram Bot API base URL. */
export const DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org";

/** The notification variables read. */
export const NOTIFY_ENV_KEYS = [
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_CHAT_ID",
  "TELEGRAM_API_URL",
  "WEBHOOK_URL",
  "DISCORD_WEBHOOK_URL",
] as const;

/** Telegram settings: both the token and the chat are needed. */
export interface TelegramEnv {
  /** Bot API base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** Bot token (secret). */
  readonly token: string;
  /** The one chat messages go to and commands are taken from: a number or `@channel`. */
  readonly chatId: string;
}

/** Resolved notification channels; a channel absent here is not configured. */
export interface NotifyEnv {
  readonly telegram?: TelegramEnv;
  /** Generic JSON webhook (secret: the URL may carry a token). */
  readonly webhookUrl?: string;
  /** Discord webhook URL (secret: it carries the webhook's token). */
  readonly discordWebhookUrl?: string;
}

/** Options of {@link loadNotifyEnv}: where the variables are read from. */
export type LoadNotifyEnvOptions = EnvSourceOptions;

const HTTP = ["https:", "http:"];
const httpUrl = (example: string) => urlWith(HTTP, `an http(s) URL, e.g. ${example}`);

const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().trim().regex(
    /^\d+:[A-Za-z0-9_-]+$/,
    "a bot token as @BotFather gives it (digits, a colon, letters, digits, - and _)",
  ).optional(),
  TELEGRAM_CHAT_ID: z.string().trim().regex(
    /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/,
    "a chat id (a number, negative for groups) or @channelname",
  ).optional(),
  TELEGRAM_API_URL: baseUrlWith(HTTP, `an http(s) URL, e.g. ${DEFAULT_TELEGRAM_API_URL}`)
    .default(DEFAULT_TELEGRAM_API_URL),
  WEBHOOK_URL: httpUrl("https://example.com/hook").optional(),
  DISCORD_WEBHOOK_URL: httpUrl("https://discord.com/api/webhooks/ID/TOKEN").optional(),
});

/**
 * Reads the notification variables from the environment, falling back to `.env`. Empty
 * values count as unset. A bad value, or a Telegram token without a chat (or the other way
 * round), raises an InputError naming the variable, never echoing its value.
 */
export function loadNotifyEnv(opts: LoadNotifyEnvOptions = {}): NotifyEnv {
  const r = envSchema.safeParse(readEnvKeys(NOTIFY_ENV_KEYS, opts).values);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(String(issue.path[0] ?? "notification settings"), issue.message);
  }
  const d = r.data;
  if ((d.TELEGRAM_BOT_TOKEN === undefined) !== (d.TELEGRAM_CHAT_ID === undefined)) {
    const missing = d.TELEGRAM_BOT_TOKEN ? "TELEGRAM_CHAT_ID" : "TELEGRAM_BOT_TOKEN";
    throw new InputError(
      missing,
      "set together with the other one: Telegram needs both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID",
    );
  }
  return {
    ...(d.TELEGRAM_BOT_TOKEN && d.TELEGRAM_CHAT_ID
      ? {
        telegram: {
          apiUrl: d.TELEGRAM_API_URL,
          token: d.TELEGRAM_BOT_TOKEN,
          chatId: d.TELEGRAM_CHAT_ID,
        },
      }
      : {}),
    ...(d.WEBHOOK_URL ? { webhookUrl: d.WEBHOOK_URL } : {}),
    ...(d.DISCORD_WEBHOOK_URL ? { discordWebhookUrl: d.DISCORD_WEBHOOK_URL } : {}),
  };
}

/** True when at least one channel is configured. */
export function hasNotifyChannel(env: NotifyEnv): boolean {
  return env.telegram !== undefined || env.webhookUrl !== undefined ||
    env.discordWebhookUrl !== undefined;
}

/**
 * Every string that must never be shown: the bot token and each webhook URL as written and
 * as parsed. (Error texts also lose every URL they name: see `scrub` in src/notify.)
 */
export function notifySecrets(env: NotifyEnv): string[] {
  const out: string[] = [];
  if (env.telegram) out.push(env.telegram.token);
  for (const u of [env.webhookUrl, env.discordWebhookUrl]) {
    if (!u) continue;
    out.push(u);
    try {
      out.push(new URL(u).href);
    } catch {
      // checked when loaded
    }
  }
  // longest first, so a URL is replaced whole before a shorter secret inside it
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** Where a webhook posts, safe to show: its origin only (`https://discord.com`). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
