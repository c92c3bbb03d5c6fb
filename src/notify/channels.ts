/**
 * The three channels: Telegram (Bot API `sendMessage`), a generic JSON webhook (one JSON
 * object per notification) and Discord webhooks. Each sends one notice and says whether a
 * failure is worth a retry, and after how long when the other side said so (HTTP 429).
 * Error texts never hold a token or a webhook URL.
 */
import { z } from "zod";
import type { NotifyChannelName } from "../config/notify_config.ts";
import { redactText } from "../config/env.ts";
import type { Notice } from "./messages.ts";

/** The outcome of one send. */
export type SendResult =
  | { readonly ok: true }
  | {
    readonly ok: false;
    /** True for a failure that may pass later (timeout, network, 5xx, 429). */
    readonly retry: boolean;
    /** How long the other side asked to wait before the next request (429), ms. */
    readonly retryAfterMs?: number;
    /** What went wrong, safe to log. */
    readonly error: string;
  };

/** One place notices go. */
export interface NotifyChannel {
  readonly name: NotifyChannelName;
  /** Sends one notice; never throws (a failure is a result). Stops when `signal` aborts. */
  send(notice: Notice, signal: AbortSignal): Promise<SendResult>;
}

/** The fetch the channels use (injected in tests). */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

/** Telegram's limit on one message, characters. */
const TELEGRAM_MAX_TEXT = 4096;
/** Discord's limit on one message's content, characters. */
const DISCORD_MAX_CONTENT = 2000;

/** Cuts `text` to `max` characters, marking the cut. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A text safe to log: the given secrets become `***`, and any URL left (fetch errors name
 * the URL they failed on) becomes `<url>`.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets).replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)'"]+/gi, "<url>");
}

/** A notice's heading: `[label] ALERT: title` (`WARNING: ` for warn, no tag for info). */
function heading(n: Notice, label?: string): string {
  const tag = n.level === "error" ? "ALERT: " : n.level === "warn" ? "WARNING: " : "";
  return `${label ? `[${label}] ` : ""}${tag}${n.title}`;
}

/** Seconds in a `Retry-After` header (a number of seconds; a date is ignored), as ms. */
function retryAfterHeader(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  if (v === null || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Math.ceil(Number(v) * 1000);
}

/**
 * An error's name and message, and its cause's message: Deno's fetch says only `fetch
 * failed`, its cause says why (and names the URL, so scrub the text before showing it).
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e.name}: ${e.message}${cause}`;
}

function failure(e: unknown, signal: AbortSignal, secrets: readonly string[]): SendResult {
  if (signal.aborted) return { ok: false, retry: true, error: "aborted" };
  return { ok: false, retry: true, error: `network error: ${scrub(errorText(e), secrets)}` };
}

/** Classifies a non-2xx HTTP status: 408, 429 and 5xx are worth a retry. */
function httpFailure(status: number, detail: string, retryAfterMs?: number): SendResult {
  const retry = status === 408 || status === 429 || status >= 500;
  return {
    ok: false,
    retry,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    error: `HTTP ${status}${detail ? `: ${detail}` : ""}`,
  };
}

async function readText(res: Response): Promise<string> {
  try {
    return await res.text();
  } catch {
    return "";
  }
}

/**
 * POSTs `body` as JSON; `judge` turns the reply (and its text) into the result. A request
 * that got no reply is a retryable network failure (or `aborted`).
 */
async function postJson(
  fetchFn: FetchFn,
  url: string,
  body: unknown,
  signal: AbortSignal,
  secrets: readonly string[],
  judge: (res: Response, text: string) => SendResult,
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    return failure(e, signal, secrets);
  }
  return judge(res, await readText(res));
}

/** A webhook's verdict: any 2xx is delivered; otherwise the status, waiting as asked. */
const webhookJudge =
  (retryAfterOf: (res: Response, text: string) => number | undefined) =>
  (res: Response, text: string): SendResult =>
    res.ok ? { ok: true } : httpFailure(res.status, "", retryAfterOf(res, text));

const telegramReply = z.object({
  ok: z.boolean(),
  description: z.string().optional(),
  error_code: z.number().optional(),
  parameters: z.object({ retry_after: z.number().nonnegative().optional() }).optional(),
});

/** A Telegram Bot API reply's JSON, checked. */
export type TelegramReply = z.infer<typeof telegramReply>;

/** A Telegram Bot API reply's JSON, checked; null when it is not one. */
export function parseTelegramReply(text: string): TelegramReply | null {
  try {
    const r = telegramReply.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * How long a failed Bot API request asked to wait, ms: the reply's
 * `parameters.retry_after` (seconds), else a `Retry-After` header; undefined when neither.
 */
export function telegramRetryAfterMs(res: Response, reply: TelegramReply | null) {
  const after = reply?.parameters?.retry_after;
  return after !== undefined ? Math.ceil(after * 1000) : retryAfterHeader(res);
}

/** Options of the Telegram channel. */
export interface TelegramChannelOptions {
  /** Bot API base URL (`https://api.telegram.org`). */
  readonly apiUrl: string;
  /** Bot token (secret). */
  readonly token: string;
  readonly chatId: string;
  /** Shown before each title, e.g. `paper BTCUSDT`. */
  readonly label?: string;
  readonly fetch?: FetchFn;
  /** Strings to keep out of error texts (the token at least). */
  readonly secrets?: readonly string[];
}

/**
 * Telegram: `POST {apiUrl}/bot{token}/sendMessage` with the chat and plain text (no parse
 * mode, so no text can break the markup). A failed reply's `parameters.retry_after`
 * (seconds), else its `Retry-After` header, is how long to wait.
 */
export function telegramChannel(o: TelegramChannelOptions): NotifyChannel {
  const fetchFn = o.fetch ?? fetch;
  const secrets = [...(o.secrets ?? []), o.token];
  const url = `${o.apiUrl}/bot${o.token}/sendMessage`;
  const judge = (res: Response, text: string): SendResult => {
    const reply = parseTelegramReply(text);
    if (res.ok && reply?.ok) return { ok: true };
    const retryAfterMs = telegramRetryAfterMs(res, reply);
    const detail = scrub(reply?.description ?? (res.ok ? "not ok" : ""), secrets).slice(0, 200);
    return httpFailure(res.ok ? 502 : res.status, detail, retryAfterMs);
  };
  return {
    name: "telegram",
    send: (n, signal) =>
      postJson(
        fetchFn,
        url,
        {
          chat_id: o.chatId,
          text: clip(`${heading(n, o.label)}\n${n.text}`, TELEGRAM_MAX_TEXT),
          disable_web_page_preview: true,
        },
        signal,
        secrets,
        judge,
      ),
  };
}

/** Options of the JSON webhook and Discord channels. */
export interface WebhookChannelOptions {
  /** Where to POST (secret: it may carry a token). */
  readonly url: string;
  /** Shown before each title, and sent as `label` in the JSON. */
  readonly label?: string;
  readonly fetch?: FetchFn;
  /** Strings to keep out of error texts (the URL at least). */
  readonly secrets?: readonly string[];
  /** Time source for the JSON's `ts` (default `Date.now`). */
  readonly now?: () => number;
}

/** The JSON a generic webhook receives for one notice. */
export interface WebhookPayload {
  readonly source: "laptop-agents";
  readonly label: string | null;
  /** The notice's kind (the config key), `reply` or `test`. */
  readonly kind: string;
  /** The event it came from, e.g. `order.filled`. */
  readonly event: string;
  readonly level: string;
  /** ISO time it was made. */
  readonly ts: string;
  readonly title: string;
  readonly text: string;
  /** The event's own fields (as logged). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A generic webhook: one `POST` of a {@link WebhookPayload} per notice. */
export function webhookChannel(o: WebhookChannelOptions): NotifyChannel {
  const fetchFn = o.fetch ?? fetch;
  const secrets = [...(o.secrets ?? []), o.url];
  const now = o.now ?? Date.now;
  const judge = webhookJudge(retryAfterHeader);
  return {
    name: "webhook",
    send(n, signal) {
      const body: WebhookPayload = {
        source: "laptop-agents",
        label: o.label ?? null,
        kind: n.kind,
        event: n.event,
        level: n.level,
        ts: new Date(now()).toISOString(),
        title: n.title,
        text: n.text,
        fields: n.fields,
      };
      return postJson(fetchFn, o.url, body, signal, secrets, judge);
    },
  };
}

const discordRateLimit = z.object({ retry_after: z.number().nonnegative() });

/**
 * Discord: `POST` of `{content}` (Markdown, the title in bold) to the webhook URL. A 429's
 * `retry_after` (seconds, in the body) or `Retry-After` header is how long to wait.
 */
export function discordChannel(o: WebhookChannelOptions): NotifyChannel {
  const fetchFn = o.fetch ?? fetch;
  const secrets = [...(o.secrets ?? []), o.url];
  const judge = webhookJudge((res, text) => {
    try {
      const r = discordRateLimit.safeParse(JSON.parse(text));
      if (r.success) return Math.ceil(r.data.retry_after * 1000);
    } catch {
      // not JSON: the header then
    }
    return retryAfterHeader(res);
  });
  return {
    name: "discord",
    send(n, signal) {
      const content = `**${heading(n, o.label)}**\n${n.text}`;
      return postJson(
        fetchFn,
        o.url,
        { content: clip(content, DISCORD_MAX_CONTENT), allowed_mentions: { parse: [] } },
        signal,
        secrets,
        judge,
      );
    },
  };
}
