/**
 * `GET /api/events`: pushes read-model changes as Server-Sent Events.
 *
 * Events: `hello` (once, on connect), `update` (one `LiveUpdate` as JSON), `status`
 * (kill switch and heartbeat age, periodically), `resync` (the client fell too far
 * behind; it should fetch `/api/state` again). A `: ping` comment keeps proxies and
 * browsers from timing the stream out.
 *
 * @module
 */
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { DashboardDeps } from "./deps.ts";
import type { LiveUpdate } from "./read_model.ts";
import { readStatus } from "./state.ts";

/** Serves one SSE connection until the client leaves or `deps.signal` aborts. */
export function serveEvents(c: Context, deps: DashboardDeps): Response {
  return streamSSE(c, async (stream) => {
    await runStream(stream, deps);
  });
}

async function runStream(stream: SSEStreamingApi, deps: DashboardDeps): Promise<void> {
  const keepAliveMs = deps.sseKeepAliveMs ?? 15_000;
  const statusMs = deps.sseStatusMs ?? 2_000;
  const maxQueue = deps.sseMaxQueue ?? 1_000;

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let queued = 0;
  let overflowed = false;
  let chain: Promise<unknown> = Promise.resolve();
  const send = (write: () => Promise<unknown>) => {
    queued++;
    chain = chain.then(write).catch(() => finish()).finally(() => queued--);
  };

  const onUpdate = (update: LiveUpdate) => {
    if (stream.aborted || stream.closed) return;
    if (queued >= maxQueue) {
      if (!overflowed) {
        overflowed = true;
        send(() => stream.writeSSE({ event: "resync", data: "{}" }));
      }
      return;
    }
    if (overflowed && queued === 0) overflowed = false;
    send(() => stream.writeSSE({ event: "update", data: JSON.stringify(update) }));
  };

  const sendStatus = () => {
    send(async () => {
      const status = await readStatus(deps);
      await stream.writeSSE({ event: "status", data: JSON.stringify(status) });
    });
  };

  const unsubscribe = deps.readModel.subscribe(onUpdate);
  const keepAlive = setInterval(() => send(() => stream.write(": ping\n\n")), keepAliveMs);
  const statusTimer = setInterval(sendStatus, statusMs);
  const onAbort = () => finish();
  stream.onAbort(onAbort);
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  if (deps.signal?.aborted) finish();

  send(() =>
    stream.writeSSE({
      event: "hello",
      data: JSON.stringify({ now: deps.now(), version: deps.readModel.snapshot().version }),
      retry: 2000,
    })
  );
  sendStatus();

  try {
    await done;
  } finally {
    unsubscribe();
    clearInterval(keepAlive);
    clearInterval(statusTimer);
    deps.signal?.removeEventListener("abort", onAbort);
  }
}
