import assert from "node:assert/strict";
import { FILE_LOGS, fixture, HEARTBEAT, HOST, req, RUNS, TOKEN } from "./_fixture.ts";

const decoder = new TextDecoder();

/** Reads SSE text until `pred` matches the accumulated text (or throws after 3 s). */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pred: (text: string) => boolean,
  acc = { text: "" },
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`SSE timeout; got: ${acc.text}`)), 3000);
  });
  try {
    while (!pred(acc.text)) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error(`SSE ended; got: ${acc.text}`);
      acc.text += decoder.decode(value);
    }
    return acc.text;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("dashboard API", async (t) => {
  await t.step("GET /api/state with no session: empty live data, status filled in", async () => {
    const { app } = fixture();
    const res = await app.request(...req("/api/state"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json();
    assert.deepEqual(body.equity, []);
    assert.deepEqual(body.candles, []);
    assert.equal(body.position, null);
    assert.equal(body.killSwitch, false);
    assert.equal(body.heartbeatAgeMs, 1000);
    assert.equal(body.riskState, "active");
    assert.equal(body.sessionActive, false);
  });

  await t.step(
    "GET /api/state says whether an agent runs; an old heartbeat's risk is not shown",
    async () => {
      const beat = { ...HEARTBEAT, riskState: "halted" as const };
      const state = async (hb: typeof beat | null, now = 10_000) => {
        const { app } = fixture({ heartbeat: () => Promise.resolve(hb), now: () => now });
        return await (await app.request(...req("/api/state"))).json();
      };
      let body = await state(beat);
      assert.deepEqual(body.agent, { state: "running" });
      assert.equal(body.riskState, "halted", "a running agent's risk state is shown");
      body = await state(beat, 9_000 + 31_000);
      assert.deepEqual(body.agent, { state: "stale" });
      assert.equal(body.riskState, null);
      const stop = { at: 9_000, reason: "duration", clean: true };
      body = await state({ ...beat, stopped: stop } as typeof beat, 9_500);
      assert.deepEqual(body.agent, { state: "stopped", stop });
      assert.equal(body.riskState, null, "the halt of a stop is not shown as the risk state");
      body = await state(null);
      assert.deepEqual(body.agent, { state: "none" });
      assert.equal(body.riskState, null);
    },
  );

  await t.step("GET /api/state reflects what the session fed", async () => {
    const { app, readModel } = fixture();
    readModel.session({ runId: "r9", mode: "live-session", symbol: "BTCUSDT", startedAt: 1 });
    readModel.candleClosed({ ts: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 });
    readModel.equity(60_000, 10_000, 0);
    readModel.equity(120_000, 9_950, 50);
    readModel.position({ side: "short", qty: 0.2, entryPrice: 50_000 });
    readModel.orders([{
      clientId: "c1",
      orderId: "o1",
      symbol: "BTCUSDT",
      side: "buy",
      qty: 0.2,
      reduceOnly: true,
    }]);
    readModel.riskState("reducing");
    const body = await (await app.request(...req("/api/state"))).json();
    assert.equal(body.equity.length, 2);
    assert.equal(body.drawdown, 50);
    assert.equal(body.maxDrawdown, 50);
    assert.equal(body.candles[0].close, 1.5);
    assert.equal(body.position.side, "short");
    assert.equal(body.orders[0].clientId, "c1");
    assert.equal(body.riskState, "reducing");
    assert.equal(body.session.runId, "r9");
    assert.equal(body.sessionActive, true);
  });

  await t.step("GET /api/logs filters by minimum level and limit", async () => {
    const { app, calls } = fixture();
    let body = await (await app.request(...req("/api/logs?level=warn&limit=10"))).json();
    assert.deepEqual(body.logs.map((r: { level: string }) => r.level), ["warn", "error"]);
    assert.deepEqual(calls.tails.at(-1), [10, "warn"]);
    body = await (await app.request(...req("/api/logs"))).json();
    assert.equal(body.level, "info");
    assert.equal(body.logs.length, 3);
    body = await (await app.request(...req("/api/logs?level=debug&limit=2"))).json();
    assert.deepEqual(body.logs, FILE_LOGS.slice(-2));
  });

  await t.step("GET /api/logs merges the session's in-memory records", async () => {
    const { app, readModel } = fixture();
    readModel.log({
      ts: "2026-01-01T00:00:02.500Z",
      level: "info",
      component: "session",
      event: "session.started",
      runId: "r1",
    });
    readModel.log({ ...FILE_LOGS[1] }); // same as a file line: not shown twice
    const body = await (await app.request(...req("/api/logs?level=info"))).json();
    assert.deepEqual(
      body.logs.map((r: { event: string }) => r.event),
      ["order.filled", "session.started", "risk.denied", "feed.failed"],
    );
  });

  await t.step("GET /api/logs rejects bad input with a one-line 400", async () => {
    const { app } = fixture();
    for (const q of ["level=loud", "limit=0", "limit=abc", "limit=5000", "limit=-1"]) {
      const res = await app.request(...req(`/api/logs?${q}`));
      assert.equal(res.status, 400, q);
      const body = await res.json();
      assert.equal(typeof body.error, "string");
      assert.ok(!body.error.includes("\n"));
    }
  });

  await t.step("GET /api/runs lists run history", async () => {
    const { app } = fixture();
    const body = await (await app.request(...req("/api/runs"))).json();
    assert.deepEqual(body.runs, RUNS);
  });

  await t.step("GET /runs/:id/summary.html serves the run's report", async () => {
    const { app } = fixture();
    const res = await app.request(...req(`/runs/${RUNS[0].id}/summary.html`));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await res.text(), /summary of run/);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const missing = await app.request(...req("/runs/20990101-000000-x-0000/summary.html"));
    assert.equal(missing.status, 404);
  });

  await t.step("GET /runs/:id/summary.html refuses path traversal", async () => {
    const { app, calls } = fixture();
    for (
      const id of [
        "..%2F..%2Fetc%2Fpasswd",
        "..",
        "%2E%2E",
        ".hidden",
        "a..b",
        "a%5Cb",
        "a%00b",
        "x".repeat(200),
      ]
    ) {
      const res = await app.request(...req(`/runs/${id}/summary.html`));
      assert.ok(res.status === 400 || res.status === 404, `${id}: ${res.status}`);
    }
    const res = await app.request(...req("/runs/..%2F..%2Fsecrets/summary.html"));
    assert.equal(res.status, 400);
    assert.deepEqual(calls.summaryIds, []);
  });

  await t.step("a request with a foreign Host header gets 403", async () => {
    const { app } = fixture();
    for (const host of ["evil.example:5000", "127.0.0.1:5001", "attacker.test"]) {
      const res = await app.request(`http://${HOST}/api/state`, { headers: { host } });
      assert.equal(res.status, 403, host);
      assert.deepEqual(await res.json(), { error: "host not allowed" });
    }
    const page = await app.request(`http://${HOST}/`, { headers: { host: "rebind.test:5000" } });
    assert.equal(page.status, 403);
    const ok = await app.request(`http://${HOST}/api/state`, {
      headers: { host: "localhost:5000" },
    });
    assert.equal(ok.status, 200);
  });

  await t.step("POST /api/kill-switch needs the right token", async () => {
    const { app, calls } = fixture();
    const none = await app.request(...req("/api/kill-switch", { method: "POST" }));
    assert.equal(none.status, 403);
    const wrong = await app.request(
      ...req("/api/kill-switch", {
        method: "POST",
        headers: { "x-dashboard-token": "cd".repeat(32) },
      }),
    );
    assert.equal(wrong.status, 403);
    const malformed = await app.request(
      ...req("/api/kill-switch", { method: "POST", headers: { "x-dashboard-token": "nope" } }),
    );
    assert.equal(malformed.status, 403);
    assert.equal(calls.trips, 0);
    const foreignOrigin = await app.request(
      ...req("/api/kill-switch", {
        method: "POST",
        headers: { "x-dashboard-token": TOKEN, origin: "http://evil.example" },
      }),
    );
    assert.equal(foreignOrigin.status, 403);
    assert.equal(calls.trips, 0);
    const badBody = await app.request(
      ...req("/api/kill-switch", {
        method: "POST",
        headers: { "x-dashboard-token": TOKEN },
        body: "{not json",
      }),
    );
    assert.equal(badBody.status, 400);
    assert.equal(calls.trips, 0);
    const ok = await app.request(
      ...req("/api/kill-switch", {
        method: "POST",
        headers: { "x-dashboard-token": TOKEN, origin: `http://${HOST}` },
      }),
    );
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { killSwitch: true });
    assert.equal(calls.trips, 1);
    const state = await (await app.request(...req("/api/state"))).json();
    assert.equal(state.killSwitch, true);
  });

  await t.step("GET of the kill switch route does not trip it", async () => {
    const { app, calls } = fixture();
    const res = await app.request(...req("/api/kill-switch"));
    assert.equal(res.status, 404);
    assert.equal(calls.trips, 0);
  });

  await t.step("GET / embeds the token; static assets have content types", async () => {
    const { app } = fixture();
    const page = await app.request(...req("/"));
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(page.headers.get("cache-control"), "no-store");
    const html = await page.text();
    assert.ok(html.includes(`<meta name="dashboard-token" content="${TOKEN}">`));
    assert.ok(!html.includes("{{TOKEN}}"));
    assert.ok(!/https?:\/\/(?!127\.0\.0\.1)/.test(html), "page must not load from the network");
    const cases: [string, RegExp, RegExp][] = [
      ["/static/app.js", /text\/javascript/, /EventSource/],
      ["/static/style.css", /text\/css/, /\.card/],
      ["/static/vendor/chart.umd.min.js", /text\/javascript/, /Chart/],
    ];
    for (const [path, type, content] of cases) {
      const res = await app.request(...req(path));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", type, path);
      assert.ok(res.headers.get("cache-control"), path);
      assert.match(await res.text(), content, path);
    }
    const missing = await app.request(...req("/static/../deno.json"));
    assert.equal(missing.status, 404);
    const other = await app.request(...req("/static/nope.js"));
    assert.equal(other.status, 404);
  });

  await t.step("GET /api/events streams a read-model change, then stops on cancel", async () => {
    const { app, readModel } = fixture();
    const res = await app.request(...req("/api/events"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = res.body!.getReader();
    const acc = { text: "" };
    await readUntil(reader, (s) => s.includes("event: hello"), acc);
    assert.equal(readModel.subscriberCount, 1);
    readModel.equity(123_456, 10_042, 7);
    const text = await readUntil(reader, (s) => s.includes("event: update"), acc);
    const line = text.split("\n").find((l) => l.startsWith('data: {"type":"equity"'));
    assert.ok(line, text);
    assert.deepEqual(JSON.parse(line.slice(6)), {
      type: "equity",
      point: { ts: 123_456, equity: 10_042, drawdown: 7 },
    });
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(readModel.subscriberCount, 0);
  });

  await t.step("SSE sends status events and keep-alive comments", async () => {
    const { app } = fixture({ sseKeepAliveMs: 30, sseStatusMs: 20 });
    const res = await app.request(...req("/api/events"));
    const reader = res.body!.getReader();
    const text = await readUntil(
      reader,
      (s) => s.includes(": ping") && s.includes("event: status"),
    );
    const status = text.split("\n\n").find((b) => b.startsWith("event: status"))!;
    const data = JSON.parse(status.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
    assert.equal(data.killSwitch, false);
    assert.equal(data.heartbeatAgeMs, 1000);
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 20));
  });

  await t.step("aborting deps.signal ends open SSE streams", async () => {
    const stop = new AbortController();
    const { app, readModel } = fixture({ signal: stop.signal });
    const res = await app.request(...req("/api/events"));
    const reader = res.body!.getReader();
    await readUntil(reader, (s) => s.includes("event: hello"));
    stop.abort();
    let done = false;
    while (!done) done = (await reader.read()).done;
    assert.equal(readModel.subscriberCount, 0);
  });

  await t.step("no secret from the environment appears in any response", async () => {
    const secret = "sk-test-0123456789abcdefSECRET";
    Deno.env.set("BITUNIX_API_SECRET", secret);
    Deno.env.set("BITUNIX_API_KEY", "key-test-9876543210KEY");
    try {
      const { app, readModel } = fixture();
      readModel.equity(1, 1, 0);
      const paths = [
        "/",
        "/static/app.js",
        "/static/style.css",
        "/api/state",
        "/api/logs?level=debug",
        "/api/runs",
        `/runs/${RUNS[0].id}/summary.html`,
        "/api/logs?level=nope",
        "/nope",
      ];
      for (const p of paths) {
        const res = await app.request(...req(p));
        const body = await res.text();
        const headers = JSON.stringify([...res.headers]);
        for (const s of [secret, "key-test-9876543210KEY"]) {
          assert.ok(!body.includes(s) && !headers.includes(s), `${p} leaks a secret`);
        }
      }
    } finally {
      Deno.env.delete("BITUNIX_API_SECRET");
      Deno.env.delete("BITUNIX_API_KEY");
    }
  });

  await t.step("an unknown route is a JSON 404", async () => {
    const { app } = fixture();
    const res = await app.request(...req("/api/nope"));
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: "not found" });
  });
});
