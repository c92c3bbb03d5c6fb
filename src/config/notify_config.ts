/**
 * The `notify` section of a config file: which kinds of notification each channel sends.
 * Every kind is on for every configured channel unless the section turns it off.
 *
 * ```json
 * "notify": {
 *   "telegram": { "entry": false, "exit": false },
 *   "webhook": true,
 *   "discord": { "all": false, "gave_up": true, "heartbeat_missed": true },
 *   "telegram_commands": true
 * }
 * ```
 */
import { z } from "zod";

/** The kinds of notification, as the config file names them. */
export const NOTIFY_KINDS = [
  "entry",
  "exit",
  "order_refused",
  "risk_state",
  "killswitch",
  "stale_data",
  "safety",
  "restart",
  "gave_up",
  "heartbeat_missed",
  "session",
  "daily_summary",
] as const;

/** One kind of notification (a config key). */
export type NotifyKind = typeof NOTIFY_KINDS[number];

/** The notification channels, as the config file names them. */
export const NOTIFY_CHANNELS = ["telegram", "webhook", "discord"] as const;

/** One notification channel. */
export type NotifyChannelName = typeof NOTIFY_CHANNELS[number];

const kindSwitches: Record<string, z.ZodOptional<z.ZodBoolean>> = { all: z.boolean().optional() };
for (const k of NOTIFY_KINDS) kindSwitches[k] = z.boolean().optional();

/** A channel's entry: `true`/`false` for every kind, or per-kind switches over `all`. */
const channelSchema = z.union([
  z.boolean(),
  z.strictObject(kindSwitches, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `known kinds only: all, ${NOTIFY_KINDS.join(", ")}`
        : "true, false or an object of kind switches",
  }),
]);

/** zod schema of the `notify` section (unknown keys are refused, so a typo is an error). */
export const notifySectionSchema = z.strictObject({
  telegram: channelSchema.optional(),
  webhook: channelSchema.optional(),
  discord: channelSchema.optional(),
  /** Telegram `/status` and `/kill` from the configured chat (default true). */
  telegram_commands: z.boolean().optional(),
}, {
  error: (issue) =>
    issue.code === "unrecognized_keys"
      ? `known keys only: ${[...NOTIFY_CHANNELS, "telegram_commands"].join(", ")}`
      : "an object with telegram, webhook, discord and telegram_commands",
});

/** The `notify` section as written (validated). */
export type NotifySection = z.infer<typeof notifySectionSchema>;

/** Which kinds each channel sends, and whether Telegram takes commands. */
export interface NotifyRoutes {
  readonly kinds: Readonly<Record<NotifyChannelName, ReadonlySet<NotifyKind>>>;
  readonly telegramCommands: boolean;
}

/** Resolves a section (absent = everything on) into the kinds each channel sends. */
export function resolveNotifyRoutes(section: NotifySection | undefined): NotifyRoutes {
  const kinds = {} as Record<NotifyChannelName, Set<NotifyKind>>;
  for (const ch of NOTIFY_CHANNELS) {
    const entry = section?.[ch];
    const on = new Set<NotifyKind>();
    for (const k of NOTIFY_KINDS) {
      const enabled = entry === undefined
        ? true
        : typeof entry === "boolean"
        ? entry
        : entry[k] ?? entry.all ?? true;
      if (enabled) on.add(k);
    }
    kinds[ch] = on;
  }
  return { kinds, telegramCommands: section?.telegram_commands ?? true };
}
