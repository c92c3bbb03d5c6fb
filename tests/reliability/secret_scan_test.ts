import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startFastMarket } from "../fakes/fast_market.ts";
import { startFakeHook, startFakeTelegram } from "../fakes/fake_notify.ts";
import {
  listFiles,
  LIVE_CLI_ARGS,
  QUICK_TRADES,
  runCli,
  spawnCli,
  tempWorkspace,
} from "../app/_session_helpers.ts";

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** Signing material seen on the wire: headers of each signed REST request. */
interface Signed {
  sign: string;
  nonce: string;
  digest: string;
}

/**
 * A loopback recording proxy in front of the fake's REST side: keeps the `sign`, `nonce`
 * and the inner digest of every signed request, forwards everything unchanged.
 */
function recordingProxy(target: string, apiKey: string) {
  const signed: Signed[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.text() : "";
    const sign = req.headers.get("sign");
    const nonce = req.headers.get("nonce");
    const ts = req.headers.get("timestamp");
    if (sign && nonce && ts) {
      const qs = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => k + v).join("");
      signed.push({ sign, nonce, digest: sha(nonce + ts + apiKey + qs + body) });
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    const res = await fetch(`${target}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.method === "POST" ? body : undefined,
    });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
  });
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    signed,
    close: () => server.shutdown(),
  };
}

/**
 * A Bot API that answers every request 500 and names the request in its description, as
 * a proxy in front of it might: the path alone (`POST /bot<token>/sendMessage`), and the
 * whole URL the way its log writes it (the token's colon percent-encoded).
 */
function echoingTelegram() {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests++;
    await req.body?.cancel();
    const url = new URL(req.url);
    const logged = `${url.origin}${url.pathname.replace(":", "%3A")}`;
    return Response.json({
      ok: false,
      error_code: 500,
      description: `Internal Server Error: ${req.method} ${url.pathname} failed (${logged})`,
    }, { status: 500 });
  });
  return {
    apiUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    get requests() {
      return requests;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("secret scan: no credential or signing material in files or dashboard bodies", async (t) => {
  const rand = crypto.randomUUID().replaceAll("-", "");
  const apiKey = `KEYzq9${rand.slice(0, 16)}`;
  const apiSecret = `SECRETzq9${rand.slice(16)}XyZ`;
  const market = startFastMarket({ fake: { apiKey, apiSecret } });
  const fake = market.fake;
  const proxy = recordingProxy(market.proxy.baseUrl, apiKey);
  const ws = await tempWorkspace();
  // notification channels: Telegram and the webhook answer, Discord's port refuses (so its
  // network errors, which name the URL, are logged)
  const botSecret = `BOTzq9${rand.slice(0, 20)}`;
  const tg = startFakeTelegram({ token: `987654321:${botSecret}` });
  const hook = startFakeHook();
  const hookSecret = `HOOKzq9${rand.slice(8, 24)}`;
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (dead.addr as Deno.NetAddr).port;
  dead.close();
  const discordSecret = `DISCORDzq9${rand.slice(4, 28)}`;
  const deadTelegram = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadTelegramUrl = `http://127.0.0.1:${(deadTelegram.addr as Deno.NetAddr).port}`;
  deadTelegram.close();
  const echoing = echoingTelegram();
  const env = {
    BITUNIX_BASE_URL: proxy.url,
    BITUNIX_WS_URL: fake.wsUrl,
    BITUNIX_API_KEY: apiKey,
    BITUNIX_API_SECRET: apiSecret,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_CHAT_ID: "4242",
    TELEGRAM_API_URL: tg.apiUrl,
    WEBHOOK_URL: `${hook.url}/hook/${hookSecret}`,
    DISCORD_WEBHOOK_URL: `http://127.0.0.1:${deadPort}/api/webhooks/77/${discordSecret}`,
  };
  await Deno.writeTextFile(
    `${ws.dir}/.env`,
    Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
  );
  const outputs: string[] = [];
  const bodies: string[] = [];
  const session = [
    "--mode",
    "live-session",
    "--source",
    "mock",
    ...QUICK_TRADES,
    "--duration",
    "0.04",
    "--speed",
    "600",
  ];
  /** True when logs/system.jsonl has an `event` line matching `pattern` (a regex source). */
  const logged = (event: string, pattern: string) =>
    Deno.readTextFileSync(`${ws.dir}/logs/system.jsonl`).split("\n").some((l) =>
      l.includes(`"event":"${event}"`) && new RegExp(pattern).test(l)
    );
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { cwd: ws.dir, env: { ...env, ...extra } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  try {
    await t.step("paper session", async () => {
      const r = await run(session);
      assert.equal(r.code, 0, r.stderr);
    });

    await t.step("live session against the fake", async () => {
      const r = await run([...LIVE_CLI_ARGS], { SKIP_LIVE_CONFIRM: "TRUE" });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fake.requestsTo("/trade/place_order").length > 0, "orders reached the fake");
    });

    await t.step("preflight: pass, then fail on skew", async () => {
      const ok = await run(["preflight", "--timeout-ms", "2000"]);
      assert.equal(ok.code, 0, ok.stderr + ok.stdout);
      fake.inject.clockSkew(60_000);
      const bad = await run(["preflight", "--timeout-ms", "2000"]);
      fake.inject.clockSkew(0);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout + bad.stderr, /FAIL clock/);
    });

    await t.step("Telegram unreachable: a session, monitor --once, the watchdog", async () => {
      const unreachable = { TELEGRAM_API_URL: deadTelegramUrl };
      const r = await run(session, unreachable);
      assert.equal(r.code, 0, r.stderr);
      // monitor: no heartbeat there, so an alert to send
      const m = await run(["monitor", "--once", "--heartbeat", "logs/none.json"], unreachable);
      assert.equal(m.code, 1, m.stdout + m.stderr);
      assert.match(m.stdout, /^notify: notify\.retrying .*"channel":"telegram".*network error/m);
      // watchdog: a child that cannot start, so a give-up to send
      const w = await run(
        ["watchdog", "--max-restarts", "0", "--restart-delay", "0", "--", "--mode", "nope"],
        unreachable,
      );
      assert.equal(w.code, 1, w.stdout + w.stderr);
      assert.match(await Deno.readTextFile(`${ws.dir}/logs/watchdog.log`), /giving up/);
      const request = "error sending request for url \\(<url>\\)";
      assert.ok(logged("notify.commands_failed", `"error":"TypeError: fetch failed: ${request}`));
      assert.ok(
        logged(
          "notify.retrying",
          `"channel":"telegram".*"error":"network error: TypeError: fetch failed: ${request}`,
        ),
      );
      assert.ok(logged("supervisor.gave_up", ""));
    });

    await t.step("Telegram answers 500 and names the URL: a session", async () => {
      const r = await run(session, { TELEGRAM_API_URL: echoing.apiUrl });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(echoing.requests >= 2, "sendMessage and getUpdates reached it");
      const scrubbed = "HTTP 500: Internal Server Error: POST /bot\\*\\*\\*/";
      assert.ok(
        logged("notify.commands_failed", `"error":"${scrubbed}getUpdates failed \\(<url>\\)"`),
      );
      assert.ok(logged("notify.retrying", `"error":"${scrubbed}sendMessage failed \\(<url>\\)"`));
    });

    await t.step("notify test: Telegram and the webhook work, Discord does not", async () => {
      const r = await run(["notify", "test", "--timeout", "2"]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /telegram {2}OK\nwebhook {3}OK\ndiscord {3}FAILED: network error/);
    });

    await t.step("flatten against the fake", async () => {
      const r = await run(["flatten"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fake.state.positions.length, 0);
    });

    await t.step("dashboard: every API route", async () => {
      const child = spawnCli(["dashboard", "--port", "0"], { cwd: ws.dir, env });
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let err = "";
      try {
        while (!/Dashboard: (http:\/\/\S+)/.test(err)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`dashboard ended: ${err}`);
          err += value;
        }
        const base = /Dashboard: (http:\/\/\S+?)\/?\s/.exec(err)![1];
        const get = async (path: string, init?: RequestInit) => {
          const res = await fetch(`${base}${path}`, init);
          const text = await res.text();
          bodies.push(text);
          return { res, text };
        };
        const page = await get("/");
        const token = /[0-9a-f]{64}/.exec(page.text)?.[0] ?? "";
        await get("/api/state");
        await get("/api/logs?level=debug&limit=2000");
        const runs = JSON.parse((await get("/api/runs")).text).runs as { id: string }[];
        assert.ok(runs.length >= 2, "both sessions listed");
        for (const r of runs) await get(`/runs/${r.id}/summary.html`);
        for (const a of ["app.js", "style.css"]) await get(`/static/${a}`);
        const sse = await fetch(`${base}/api/events`);
        const sr = sse.body!.getReader();
        const first = await sr.read();
        bodies.push(new TextDecoder().decode(first.value));
        await sr.cancel();
        const kill = await get("/api/kill-switch", {
          method: "POST",
          headers: { "x-dashboard-token": token, "content-type": "application/json" },
          body: JSON.stringify({ reason: "scan" }),
        });
        assert.equal(kill.res.status, 200, kill.text);
      } finally {
        child.kill("SIGINT");
        reader.releaseLock();
        await child.stderr.cancel().catch(() => {});
        await child.stdout.cancel();
        await child.status;
      }
    });

    await t.step("secret, signatures and nonce+secret material appear nowhere", async () => {
      assert.ok(proxy.signed.length > 10, `${proxy.signed.length} signed requests seen`);
      // the sessions did notify (so the tokens were in use), and Discord's failures were logged
      assert.ok(tg.delivered.some((m) => /Session started/.test(m.text)), "telegram got messages");
      assert.ok(hook.delivered.length > 0, "the webhook got messages");
      const system = await Deno.readTextFile(`${ws.dir}/logs/system.jsonl`);
      assert.match(system, /"event":"notify\.retrying".*"channel":"discord"/);
      const logins = fake.wsMessages.filter((m) => m.message.op === "login");
      const needles = new Map<string, string>([
        ["API secret", apiSecret],
        ["Telegram bot token", tg.token],
        ["Telegram token secret", botSecret],
        ["webhook URL secret", hookSecret],
        ["Discord webhook token", discordSecret],
      ]);
      for (const s of proxy.signed) {
        needles.set(`sign ${s.sign.slice(0, 8)}`, s.sign);
        needles.set(`digest ${s.digest.slice(0, 8)}`, s.digest);
        needles.set(`nonce+secret ${s.nonce.slice(0, 8)}`, s.nonce + apiSecret);
        needles.set(`digest+secret ${s.digest.slice(0, 8)}`, s.digest + apiSecret);
      }
      for (const l of logins) {
        const a = (l.message.args as Record<string, unknown>[])[0];
        needles.set(`ws login sign`, String(a.sign));
      }
      const files: string[] = [];
      for (const d of ["runs", "logs", "paper"]) {
        try {
          files.push(...await listFiles(`${ws.dir}/${d}`));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
      assert.ok(files.some((f) => f.endsWith("/logs/system.jsonl")));
      assert.ok(files.filter((f) => f.includes("/runs/")).length >= 10, "run artifacts scanned");
      const texts: [string, string][] = [
        ...await Promise.all(
          files.map(async (f): Promise<[string, string]> => [f, await Deno.readTextFile(f)]),
        ),
        ...bodies.map((b, i): [string, string] => [`dashboard body ${i}`, b]),
        ...outputs.map((o, i): [string, string] => [`command output ${i}`, o]),
      ];
      for (const [where, text] of texts) {
        for (const [what, needle] of needles) {
          assert.ok(!text.includes(needle), `${what} found in ${where}`);
        }
      }
    });
  } finally {
    await proxy.close();
    await market.close();
    await tg.close();
    await hook.close();
    await echoing.close();
    await ws.cleanup();
  }
});
