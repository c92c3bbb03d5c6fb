/**
 * Telegram commands by `getUpdates` long polling: `/status` and `/kill` from the one
 * configured chat. Anything else (another chat, another command, not a text message, a
 * command older than `maxCommandAgeMs`) is ignored and logged (`notify.command_ignored`).
 */
import { z } from "zod";
import type { EventSink, LogLevel } from "../core/events.ts";
import { abortableSleep, type Sleep } from "../core/sleep.ts";
import {
  errorText,
  type FetchFn,
  parseTelegramReply,
  scrub,
  telegramRetryAfterMs,
} from "./channels.ts";

/** What the commands do; each returns the reply text. */
export interface TelegramCommandHandlers {
  /** `/status`: a few lines about the agent. */
  status(): string | Promise<string>;
  /** `/kill`: trips the kill switch. */
  kill(): string | Promise<string>;
}

/** Options of {@link TelegramCommands}. */
export interface TelegramCommandsOptions {
  readonly apiUrl: string;
  /** Bot token (secret). */
  readonly token: string;
  /** The only chat commands are taken from: a chat id, or `@name` of a channel. */
  readonly chatId: string;
  readonly handlers: TelegramCommandHandlers;
  /** Sends a reply to the configured chat (through the notifier's Telegram queue). */
  readonly reply: (text: string, command: "status" | "kill") => void;
  /** Where `notify.command_*` events go. */
  readonly log?: EventSink;
  readonly fetch?: FetchFn;
  readonly now?: () => number;
  /** Waits for backoff and for a poll held too long (default a timer). */
  readonly sleep?: Sleep;
  /** Long-poll wait asked of Telegram, seconds (default 25). */
  readonly pollTimeoutS?: number;
  /** A command older than this when it arrives is ignored (default 120 s). */
  readonly maxCommandAgeMs?: number;
  /** First wait after a failed poll; doubles up to `maxBackoffMs` (default 1 s). */
  readonly backoffMs?: number;
  /** Default 60 s. */
  readonly maxBackoffMs?: number;
  /** Strings to keep out of logs (the token at least). */
  readonly secrets?: readonly string[];
}

const updateId = z.object({ update_id: z.number().int() });

const messageUpdate = z.object({
  update_id: z.number().int(),
  message: z.object({
    date: z.number(),
    text: z.string().optional(),
    chat: z.object({ id: z.number(), username: z.string().optional() }),
  }),
});

const updatesReply = z.object({ ok: z.literal(true), result: z.array(z.unknown()) });

/** A few printable characters of a stranger's text, for the log. */
function preview(text: string): string {
  const first = text.trim().split(/\s+/)[0] ?? "";
  return first.replace(/[^\x20-\x7e]/g, "?").slice(0, 32);
}

/**
 * Polls `getUpdates` until closed and runs the commands of the configured chat. A token
 * the Bot API refuses (401, 404) stops the polling (logged); other failures back off.
 */
export class TelegramCommands {
  readonly #o: TelegramCommandsOptions;
  readonly #abort = new AbortController();
  readonly #now: () => number;
  readonly #sleep: Sleep;
  readonly #secrets: string[];
  #offset: number | undefined;
  #loop: Promise<void> | undefined;
  /** Commands run so far (for tests and status). */
  handled = 0;

  constructor(options: TelegramCommandsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#secrets = [...(options.secrets ?? []), options.token];
  }

  /** Starts polling in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  #say(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (this.#abort.signal.aborted) return;
    try {
      this.#o.log?.emit(level, "notify", event, fields);
    } catch {
      // the log may be closed at shutdown
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const base = this.#o.backoffMs ?? 1_000;
    const cap = this.#o.maxBackoffMs ?? 60_000;
    let failures = 0;
    while (!signal.aborted) {
      const r = await this.#poll();
      if (signal.aborted) return;
      if (r.ok) {
        if (failures > 0) this.#say("info", "notify.commands_resumed", { after: failures });
        failures = 0;
        for (const u of r.updates) await this.#handle(u);
        continue;
      }
      if (r.fatal) {
        this.#say("error", "notify.commands_stopped", {
          error: r.error,
          hint: "the Bot API refused the token: check TELEGRAM_BOT_TOKEN",
        });
        return;
      }
      failures++;
      const delay = r.retryAfterMs ?? Math.min(base * 2 ** (failures - 1), cap);
      this.#say("warn", "notify.commands_failed", {
        error: r.error,
        attempt: failures,
        delay_ms: delay,
      });
      await this.#sleep(delay, signal);
    }
  }

  async #poll(): Promise<
    | { ok: true; updates: unknown[] }
    | { ok: false; fatal: boolean; error: string; retryAfterMs?: number }
  > {
    const o = this.#o;
    const timeoutS = o.pollTimeoutS ?? 25;
    const ctl = new AbortController();
    const stop = () => ctl.abort();
    this.#abort.signal.addEventListener("abort", stop, { once: true });
    // a server that holds the poll past its own timeout is treated as a failed poll
    let held = false;
    const answered = new AbortController();
    void this.#sleep((timeoutS + 15) * 1000, answered.signal).then(() => {
      if (answered.signal.aborted) return;
      held = true;
      ctl.abort();
    });
    try {
      const res = await (o.fetch ?? fetch)(`${o.apiUrl}/bot${o.token}/getUpdates`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ...(this.#offset !== undefined ? { offset: this.#offset } : {}),
          timeout: timeoutS,
          allowed_updates: ["message"],
        }),
        signal: ctl.signal,
      });
      const text = await res.text();
      if (res.ok) {
        try {
          const r = updatesReply.safeParse(JSON.parse(text));
          if (r.success) return { ok: true, updates: r.data.result };
        } catch {
          // not JSON
        }
        return { ok: false, fatal: false, error: "an unexpected getUpdates reply" };
      }
      const reply = parseTelegramReply(text);
      const retryAfterMs = telegramRetryAfterMs(res, reply);
      return {
        ok: false,
        fatal: res.status === 401 || res.status === 404,
        error: `HTTP ${res.status}${
          reply?.description ? `: ${scrub(reply.description, this.#secrets).slice(0, 200)}` : ""
        }`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (e) {
      const msg = held ? "getUpdates held past its timeout" : errorText(e);
      return { ok: false, fatal: false, error: scrub(msg, this.#secrets) };
    } finally {
      answered.abort();
      this.#abort.signal.removeEventListener("abort", stop);
    }
  }

  #fromOurChat(chat: { id: number; username?: string }): boolean {
    const want = this.#o.chatId;
    return want.startsWith("@")
      ? chat.username !== undefined && `@${chat.username}`.toLowerCase() === want.toLowerCase()
      : String(chat.id) === want;
  }

  async #handle(raw: unknown): Promise<void> {
    const id = updateId.safeParse(raw);
    if (!id.success) return;
    this.#offset = Math.max(this.#offset ?? 0, id.data.update_id + 1);
    const u = messageUpdate.safeParse(raw);
    if (!u.success) {
      this.#say("info", "notify.command_ignored", {
        update_id: id.data.update_id,
        reason: "not a message",
      });
      return;
    }
    const m = u.data.message;
    const ignored = (reason: string, extra: Record<string, unknown> = {}) =>
      this.#say("warn", "notify.command_ignored", {
        update_id: id.data.update_id,
        chat_id: m.chat.id,
        reason,
        ...extra,
      });
    if (!this.#fromOurChat(m.chat)) return ignored("another chat");
    if (m.text === undefined) return ignored("not a text message");
    const word = m.text.trim().split(/\s+/)[0] ?? "";
    const command = /^\/([a-z]+)(@\w+)?$/i.exec(word)?.[1]?.toLowerCase();
    if (command !== "status" && command !== "kill") {
      return ignored("unknown command", { text: preview(m.text) });
    }
    const ageMs = this.#now() - m.date * 1000;
    if (ageMs > (this.#o.maxCommandAgeMs ?? 120_000)) {
      return ignored("too old", { command, age_s: Math.round(ageMs / 1000) });
    }
    this.#say(command === "kill" ? "warn" : "info", "notify.command_received", {
      update_id: id.data.update_id,
      chat_id: m.chat.id,
      command,
    });
    let text: string;
    try {
      text = await this.#o.handlers[command]();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.#say("error", "notify.command_failed", { command, error: scrub(msg, this.#secrets) });
      text = `/${command} failed: ${scrub(msg, this.#secrets)}`;
    }
    this.handled++;
    this.#o.reply(text, command);
  }

  /** Stops polling (aborting the poll in flight); resolves when the loop has ended. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }
}
