import assert from "node:assert/strict";
import { type Notice, type SendResult, sendWithin } from "../../src/notify/mod.ts";

const NOTICE: Notice = {
  kind: "test",
  event: "notify.test",
  level: "info",
  title: "Test",
  text: "t",
  fields: {},
};

Deno.test("a send is given up after its time, also on a channel that ignores the signal", async () => {
  // never answers and never looks at the signal
  const deaf = { send: () => new Promise<SendResult>(() => {}) };
  const r = await sendWithin(deaf, NOTICE, 50);
  assert.deepEqual(r, { ok: false, retry: true, error: "no reply within 0.05 s" });
});

Deno.test("a send that throws is a failed send, to retry; an answer in time is the answer", async () => {
  const broken = { send: () => Promise.reject(new TypeError("boom")) };
  assert.deepEqual(await sendWithin(broken, NOTICE, 1000), {
    ok: false,
    retry: true,
    error: "TypeError",
  });
  const fine = { send: () => Promise.resolve<SendResult>({ ok: true }) };
  assert.deepEqual(await sendWithin(fine, NOTICE, 1000), { ok: true });
});

Deno.test("a send is given up when the stop signal aborts", async () => {
  const stop = new AbortController();
  const deaf = { send: () => new Promise<SendResult>(() => {}) };
  const r = sendWithin(deaf, NOTICE, 60_000, stop.signal);
  stop.abort();
  assert.deepEqual(await r, { ok: false, retry: true, error: "aborted" });
});
