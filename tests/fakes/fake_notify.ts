/**
 * Local fakes of the notification services on 127.0.0.1: the Telegram Bot API
 * (`sendMessage`, `getUpdates` long polling) and a webhook receiver (the generic JSON
 * webhook and Discord's). Each records what it got and can be told to fail: answer 500,
 * hang (never answer), or rate-limit (429 with `retry_after`).
 */

/** How a fake answers a message. */
export type FakeMode = "ok" | "500" | "hang";

/** One message the fake Telegram received. */
export interface TelegramSent {
  readonly chat_id: string;
  readonly text: string;
}

/**
 * Hung requests, released when the fake closes (so `shutdown` does not wait on them).
 * `request.signal` is not used: Deno.serve warns about it.
 */
class Hung {
  readonly #release = new Set<() => void>();
  count = 0;

  hold(): Promise<void> {
    this.count++;
    return new Promise((resolve) => {
      this.#release.add(resolve);
    });
  }

  releaseAll(): void {
    for (const r of [...this.#release]) r();
  }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A fake Telegram Bot API. */
export interface FakeTelegram {
  /** Base URL to use as TELEGRAM_API_URL. */
  readonly apiUrl: string;
  /** The token it accepts (others get 401). */
  readonly token: string;
  /** sendMessage calls it took (all of them, including refused ones). */
  readonly sent: TelegramSent[];
  /** sendMessage calls answered 200. */
  readonly delivered: TelegramSent[];
  /** getUpdates calls it has seen. */
  readonly polls: { offset?: number; timeout?: number }[];
  /** How sendMessage answers. */
  mode: FakeMode;
  /** Queues an incoming text message from `chatId` (date: now unless given, Unix s). */
  pushMessage(chatId: number, text: string, opts?: { date?: number; username?: string }): void;
  /** The next `n` sendMessage calls answer 429 with `retry_after` seconds. */
  rateLimit(n: number, retryAfterS: number): void;
  /** Requests held without an answer so far. */
  readonly hung: number;
  close(): Promise<void>;
}

/** Starts a fake Telegram Bot API on 127.0.0.1 with a random port. */
export function startFakeTelegram(opts: { token?: string; maxHoldMs?: number } = {}): FakeTelegram {
  const token = opts.token ?? `123456789:AAfake${crypto.randomUUID().replaceAll("-", "")}`;
  const maxHoldMs = opts.maxHoldMs ?? 1_000;
  const sent: TelegramSent[] = [];
  const delivered: TelegramSent[] = [];
  const polls: { offset?: number; timeout?: number }[] = [];
  const updates: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const hung = new Hung();
  let nextId = 1;
  let limited = 0;
  let retryAfter = 1;
  let closed = false;

  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url).pathname);
    if (!m) return json({ ok: false, error_code: 404, description: "Not Found" }, 404);
    if (m[1] !== token) {
      return json({ ok: false, error_code: 401, description: "Unauthorized" }, 401);
    }
    const body = req.method === "POST" ? await req.json().catch(() => ({})) : {};
    if (m[2] === "sendMessage") {
      const msg = { chat_id: String(body.chat_id), text: String(body.text) };
      sent.push(msg);
      if (limited > 0) {
        limited--;
        return json({
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${retryAfter}`,
          parameters: { retry_after: retryAfter },
        }, 429);
      }
      if (fake.mode === "hang") {
        await hung.hold();
        return json({ ok: false }, 504);
      }
      if (fake.mode === "500") {
        return json({ ok: false, error_code: 500, description: "Internal Server Error" }, 500);
      }
      delivered.push(msg);
      return json({ ok: true, result: { message_id: sent.length, text: msg.text } });
    }
    if (m[2] === "getUpdates") {
      polls.push({ offset: body.offset, timeout: body.timeout });
      const pending = () => updates.filter((u) => (u.update_id as number) >= (body.offset ?? 0));
      if (pending().length === 0 && !closed) {
        const hold = Math.min((body.timeout ?? 0) * 1000, maxHoldMs);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            waiters.delete(done);
            resolve();
          };
          const t = setTimeout(done, hold);
          waiters.add(done);
        });
      }
      return json({ ok: true, result: pending() });
    }
    return json({ ok: false, error_code: 404, description: "Not Found: method" }, 404);
  });

  const fake: FakeTelegram = {
    apiUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    token,
    sent,
    delivered,
    polls,
    mode: "ok",
    pushMessage(chatId, text, o = {}) {
      updates.push({
        update_id: nextId++,
        message: {
          message_id: nextId,
          date: o.date ?? Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: "private", ...(o.username ? { username: o.username } : {}) },
          text,
        },
      });
      wake();
    },
    rateLimit(n, s) {
      limited = n;
      retryAfter = s;
    },
    get hung() {
      return hung.count;
    },
    async close() {
      closed = true;
      wake();
      hung.releaseAll();
      await server.shutdown();
    },
  };
  return fake;
}

/** One request a fake webhook received. */
export interface HookRequest {
  readonly path: string;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

/** A fake webhook receiver (generic JSON webhook or Discord). */
export interface FakeHook {
  /** Base URL; append any path (the fake records it). */
  readonly url: string;
  /** Requests received (all of them). */
  readonly received: HookRequest[];
  /** Requests answered 2xx. */
  readonly delivered: HookRequest[];
  mode: FakeMode;
  /** The next `n` requests answer 429: Discord style (`retry_after` in the body) or a header. */
  rateLimit(n: number, retryAfterS: number, style?: "discord" | "header"): void;
  readonly hung: number;
  close(): Promise<void>;
}

/** Starts a fake webhook receiver on 127.0.0.1 with a random port. */
export function startFakeHook(): FakeHook {
  const received: HookRequest[] = [];
  const delivered: HookRequest[] = [];
  const hung = new Hung();
  let limited = 0;
  let retryAfter = 1;
  let style: "discord" | "header" = "header";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.json().catch(() => null);
    const r = { path: url.pathname + url.search, body };
    received.push(r);
    if (limited > 0) {
      limited--;
      return style === "discord"
        ? json(
          { message: "You are being rate limited.", retry_after: retryAfter, global: false },
          429,
        )
        : new Response("slow down", {
          status: 429,
          headers: { "retry-after": String(retryAfter) },
        });
    }
    if (fake.mode === "hang") {
      await hung.hold();
      return new Response(null, { status: 504 });
    }
    if (fake.mode === "500") return new Response("boom", { status: 500 });
    delivered.push(r);
    return new Response(null, { status: 204 });
  });
  const fake: FakeHook = {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    received,
    delivered,
    mode: "ok",
    rateLimit(n, s, st = "header") {
      limited = n;
      retryAfter = s;
      style = st;
    },
    get hung() {
      return hung.count;
    },
    async close() {
      hung.releaseAll();
      await server.shutdown();
    },
  };
  return fake;
}
