/**
 * Notifications: events to Telegram, a JSON webhook and Discord, in the background, and
 * Telegram's `/status` and `/kill`. Nothing here touches `Deno.*`: the composition root
 * (`src/app/notify/notifications.ts`) wires env, config, the kill switch and the heartbeat.
 */
export {
  discordChannel,
  type FetchFn,
  type NotifyChannel,
  type SendResult,
  telegramChannel,
  webhookChannel,
} from "./channels.ts";
export type { Notice } from "./messages.ts";
export { type ChannelStats, Notifier, type NotifierOptions, sendWithin } from "./notifier.ts";
export { TelegramCommands, type TelegramCommandsOptions } from "./telegram_commands.ts";
