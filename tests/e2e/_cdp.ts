/**
 * A small Chrome DevTools Protocol client for the browser tests: one WebSocket to the
 * browser, flattened sessions, and a page helper (navigate, evaluate, screenshot, input).
 */
import { launchChromium, type RunningChromium } from "./_chromium.ts";

/** A CDP connection to one browser. */
export class Cdp {
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Uncaught page exceptions seen (`Runtime.exceptionThrown`). */
  readonly exceptions: string[] = [];
  /** `console.error` calls and failed loads seen in pages (`Runtime`/`Log` domains). */
  readonly errors: string[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data));
      if (msg.method === "Runtime.exceptionThrown") {
        this.exceptions.push(JSON.stringify(msg.params?.exceptionDetails ?? {}).slice(0, 500));
      } else if (msg.method === "Runtime.consoleAPICalled" && msg.params?.type === "error") {
        this.errors.push(JSON.stringify(msg.params.args ?? []).slice(0, 500));
      } else if (msg.method === "Log.entryAdded" && msg.params?.entry?.level === "error") {
        this.errors.push(String(msg.params.entry.text).slice(0, 500));
      }
      if (typeof msg.id !== "number") return;
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`CDP: ${msg.error.message}`));
      else p.resolve(msg.result);
    });
  }

  /** Connects to a browser's DevTools WebSocket URL. */
  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
        once: true,
      });
    });
    return new Cdp(ws);
  }

  /** Sends one command (to a target session when `sessionId` is given). */
  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Rejects what is pending and closes the socket. */
  async close(): Promise<void> {
    for (const p of this.#pending.values()) p.reject(new Error("CDP closed"));
    this.#pending.clear();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** One page (tab) of a launched browser, with the viewport set. */
export interface BrowserPage {
  readonly cdp: Cdp;
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Evaluates an expression in the page (promises awaited); page errors throw. */
  evaluate(expression: string): Promise<unknown>;
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /** A PNG of the viewport (or of the whole page with `full`). */
  screenshot(full?: boolean): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Launches headless Chromium and opens one page of `width` x `height` CSS px. */
export async function openPage(width: number, height: number): Promise<BrowserPage> {
  let chromium: RunningChromium | undefined;
  let cdp: Cdp | undefined;
  try {
    chromium = await launchChromium([`--window-size=${width},${height}`, "about:blank"]);
    cdp = await Cdp.connect(chromium.devtoolsUrl);
    const browser = cdp;
    const { targetId } = await browser.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await browser.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const send = <T = Record<string, unknown>>(m: string, p: Record<string, unknown> = {}) =>
      browser.send<T>(m, p, sessionId);
    await send("Page.enable");
    await send("Runtime.enable");
    await send("Log.enable");
    await send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    const evaluate = async (expression: string) => {
      const r = await send<{ result: { value?: unknown }; exceptionDetails?: unknown }>(
        "Runtime.evaluate",
        { expression, returnByValue: true, awaitPromise: true },
      );
      if (r.exceptionDetails) throw new Error(`page error: ${JSON.stringify(r.exceptionDetails)}`);
      return r.result.value;
    };
    const running = chromium;
    return {
      cdp: browser,
      send,
      evaluate,
      async goto(url: string) {
        await send("Page.navigate", { url });
        await waitFor("the page to load", async () => {
          const state = await evaluate("document.readyState");
          return state === "complete" ? state : undefined;
        });
      },
      async screenshot(full = false) {
        const shot = await send<{ data: string }>("Page.captureScreenshot", {
          format: "png",
          ...(full ? { captureBeyondViewport: true } : {}),
        });
        return Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0));
      },
      async close() {
        await browser.close().catch(() => {});
        await running.close();
      },
    };
  } catch (e) {
    await cdp?.close().catch(() => {});
    await chromium?.close();
    throw e;
  }
}
