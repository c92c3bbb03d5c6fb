/**
 * Notifications: events to Telegram, a JSON webhook and Discord, in the background, and
 * Telegram's `/status` and `/kill`. Nothing here touches `Deno.*`: the composition root
 * (`src/app/notifications.ts`) wires env, config, the kill switch and the heartbeat.
 */
export {
  clip,
  discordChannel,
  type FetchFn,
  type NotifyChannel,
  plainText,
  scrub,
  type SendResult,
  telegramChannel,
  webhookChannel,
  type WebhookPayload,
} from "./channels.ts";
export { formatNumber, type Notice, type NoticeKind, noticeOf } from "./messages.ts";
export { type ChannelStats, Notifier, type NotifierOptions } from "./notifier.ts";
export {
  type TelegramCommandHandlers,
  TelegramCommands,
  type TelegramCommandsOptions,
} from "./telegram_commands.ts";
