import assert from "node:assert/strict";
import { createDashboard } from "../../src/dashboard/live/app.ts";
import { LiveReadModel } from "../../src/dashboard/live/read_model.ts";
import { listFiles, runCli } from "../app/_session_helpers.ts";

/** One bad-input CLI case: files to create in a fresh temp cwd, argv, expected error. */
interface CliCase {
  readonly name: string;
  readonly args: string[];
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly error: RegExp;
  /** Text that must not appear in stderr (e.g. a secret from .env). */
  readonly never?: string;
}

const GOOD_CSV = [
  "ts,open,high,low,close,volume",
  "1704067200000,100,101,99,100.5,10",
  "1704067260000,100.5,102,100,101,12",
].join("\n") + "\n";

const CASES: CliCase[] = [
  // flags, one or more per mode
  {
    name: "backtest: non-numeric count",
    args: ["--mode", "backtest", "--source", "mock", "--backtest", "abc"],
    error: /^Invalid --backtest/,
  },
  {
    name: "backtest: unknown flag",
    args: ["--mode", "backtest", "--bogus", "1"],
    error: /^Invalid flag --bogus: unknown flag/,
  },
  {
    name: "backtest: leverage above the hard limit",
    args: ["--mode", "backtest", "--source", "mock", "--max-leverage", "50"],
    error: /^Invalid --max-leverage \(got '50'\): at most 20 \(hard limit/,
  },
  {
    name: "live-session: bad execution mode",
    args: ["--mode", "live-session", "--execution-mode", "maybe"],
    error: /^Invalid --execution-mode \(got 'maybe'\): paper or live$/,
  },
  {
    name: "live-session: negative duration",
    args: ["--mode", "live-session", "--duration", "-1"],
    error: /^Invalid --duration/,
  },
  {
    name: "live: legacy loop refuses live execution",
    args: ["--mode", "live", "--execution-mode", "live"],
    error: /^Invalid --execution-mode live: paper with --mode live/,
  },
  {
    name: "backtest: another symbol on mock candles",
    args: ["--mode", "backtest", "--symbol", "ETHUSDT"],
    error:
      /^Invalid --symbol ETHUSDT with --source mock: BTCUSDT: the mock candles are synthetic BTCUSDT prices/,
  },
  {
    name: "live-session: another symbol on the mock feed",
    args: ["--mode", "live-session", "--source", "mock", "--symbol", "ETHUSDT"],
    error: /^Invalid --symbol ETHUSDT with --source mock: BTCUSDT/,
  },
  {
    name: "live-session: --fresh with live execution",
    env: { SKIP_LIVE_CONFIRM: "TRUE" },
    args: ["--mode", "live-session", "--source", "bitunix", "--execution-mode", "live", "--fresh"],
    error: /^Invalid --fresh with --execution-mode live: --execution-mode paper/,
  },
  {
    name: "live execution on mock candles",
    env: { SKIP_LIVE_CONFIRM: "TRUE" },
    args: ["--mode", "live-session", "--execution-mode", "live"],
    error: /^Invalid --source mock with --execution-mode live: --source bitunix/,
  },
  {
    name: "orchestrated: bar mode",
    args: ["--mode", "orchestrated", "--backtest-mode", "bar"],
    error: /^Invalid --backtest-mode bar: position/,
  },
  {
    name: "watchdog: non-numeric restarts",
    args: ["watchdog", "--max-restarts", "many", "--", "--mode", "live-session"],
    error: /^Invalid --max-restarts/,
  },
  {
    name: "monitor: non-numeric max age",
    args: ["monitor", "--max-age", "soon", "--once"],
    error: /^Invalid --max-age/,
  },
  {
    name: "dashboard: port out of range",
    args: ["dashboard", "--port", "70000"],
    error: /^Invalid --port \(got '70000'\): a number <= 65535$/,
  },
  {
    name: "flatten: bad symbol",
    args: ["flatten", "--symbol", "btc-usdt"],
    error: /^Invalid --symbol \(got 'btc-usdt'\): a symbol like BTCUSDT$/,
  },
  {
    name: "preflight: unsupported interval",
    args: ["preflight", "--interval", "3m"],
    error: /^Invalid --interval \(got '3m'\): .*expected one of/,
  },
  {
    name: "unknown mode",
    args: ["--mode", "yolo"],
    error: /^Invalid command 'yolo': expected one of /,
  },
  {
    name: "misspelled command",
    args: ["stauts"],
    error: /^Invalid command 'stauts': did you mean 'status'\? expected one of /,
  },
  // config files
  {
    name: "config: bad JSON",
    files: { "bad.json": '{"backtest": 100,' },
    args: ["--mode", "backtest", "--source", "mock", "--config", "bad.json"],
    error: /^Invalid config file bad\.json: valid JSON/,
  },
  {
    name: "config: wrong type",
    files: { "c.json": JSON.stringify({ backtest: "lots" }) },
    args: ["--mode", "backtest", "--source", "mock", "--config", "c.json"],
    error: /^Invalid config file c\.json key backtest \(got 'lots'\): a number$/,
  },
  {
    name: "config: nested value",
    files: { "c.json": JSON.stringify({ "risk-pct": { value: 1 } }) },
    args: ["--mode", "backtest", "--source", "mock", "--config", "c.json"],
    error: /^Invalid config file c\.json key risk-pct/,
  },
  {
    name: "config: unknown key",
    files: { "c.json": JSON.stringify({ "not-a-flag": 1 }) },
    args: ["--mode", "backtest", "--source", "mock", "--config", "c.json"],
    error: /^Invalid config file c\.json key not-a-flag: unknown flag/,
  },
  {
    name: "config: misspelled key",
    files: { "c.json": JSON.stringify({ "stop-bsp": 20 }) },
    args: ["--mode", "backtest", "--source", "mock", "--config", "c.json"],
    error: /^Invalid config file c\.json key stop-bsp: unknown flag; did you mean --stop-bps\?/,
  },
  {
    name: "backtest: misspelled flag",
    args: ["--mode", "backtest", "--stop-bsp", "20"],
    error:
      /^Invalid flag --stop-bsp: unknown flag; did you mean --stop-bps\? \(--help lists every flag\)$/,
  },
  {
    name: "config: not an object",
    files: { "c.json": "[1, 2]" },
    args: ["--mode", "live-session", "--config", "c.json"],
    error: /^Invalid config file c\.json/,
  },
  {
    name: "config: missing file",
    args: ["--mode", "backtest", "--config", "nope.json"],
    error: /^Invalid --config nope\.json: a readable JSON file/,
  },
  // .env for a live command
  {
    name: ".env: malformed lines and an empty secret",
    files: {
      ".env": "this line is not an assignment\n=novalue\nBITUNIX_API_KEY=abcdEFGH1234\n" +
        "BITUNIX_API_SECRET=\n",
    },
    env: { SKIP_LIVE_CONFIRM: "TRUE" },
    args: ["--mode", "live-session", "--source", "bitunix", "--execution-mode", "live"],
    error: /^Invalid credentials: BITUNIX_API_KEY and BITUNIX_API_SECRET/,
  },
  {
    name: ".env: secret with a space is refused without echoing it",
    files: {
      ".env": 'BITUNIX_API_KEY=abcdEFGH1234\nBITUNIX_API_SECRET="zz-leak me-zz"\n',
    },
    env: { SKIP_LIVE_CONFIRM: "TRUE" },
    args: ["--mode", "live-session", "--source", "bitunix", "--execution-mode", "live"],
    error: /^Invalid BITUNIX_API_SECRET: printable characters without spaces$/,
    never: "leak me",
  },
  // notification settings: checked before a session starts, never echoed
  {
    name: ".env: a Telegram token that is not one is refused without echoing it",
    files: { ".env": 'TELEGRAM_BOT_TOKEN="zz-leak me-zz"\nTELEGRAM_CHAT_ID=42\n' },
    args: ["--mode", "live-session", "--source", "mock"],
    error: /^Invalid TELEGRAM_BOT_TOKEN: a bot token as @BotFather gives it/,
    never: "leak me",
  },
  {
    name: "env: a Telegram token without a chat",
    env: { TELEGRAM_BOT_TOKEN: "123:zzLeakMeZz" },
    args: ["--mode", "live-session", "--source", "mock"],
    error: /^Invalid TELEGRAM_CHAT_ID: set together with the other one/,
    never: "zzLeakMeZz",
  },
  {
    name: "env: a webhook URL that is not one",
    env: { WEBHOOK_URL: "hooks.example.com/zzLeakMeZz" },
    args: ["notify", "test"],
    error: /^Invalid WEBHOOK_URL: an http\(s\) URL/,
    never: "zzLeakMeZz",
  },
  {
    name: "config: a notify kind misspelt",
    files: { "c.json": '{"notify": {"telegram": {"entyr": false}}}' },
    args: ["--mode", "live-session", "--config", "c.json"],
    error: /^Invalid config file c\.json key notify\.telegram: known kinds only: all, entry/,
  },
  {
    name: "notify: a subcommand other than test",
    args: ["notify", "send"],
    error: /^Invalid notify send: notify test \(the only subcommand\)$/,
  },
  {
    name: ".env: base URL that is not a URL",
    files: { ".env": "BITUNIX_BASE_URL=fapi dot bitunix\n" },
    args: ["preflight"],
    error: /^Invalid BITUNIX_BASE_URL: an http\(s\) URL/,
  },
  // CSV files
  ...([
    ["empty file", "", /file is empty, expected header/],
    ["header without a volume column", "time,o,h,l,c\n1,2,3,4,5\n", /line 1: .*missing volume/],
    ["header only", "ts,open,high,low,close,volume\n", /no candle rows after the header/],
    ["non-numeric price", GOOD_CSV + "1704067320000,abc,102,100,101,1\n", /line 4/],
    ["high below low", GOOD_CSV + "1704067320000,100,99,101,100,1\n", /line 4/],
    ["time going backwards", GOOD_CSV + "1704067200000,100,101,99,100,1\n", /line 4/],
    ["missing column", GOOD_CSV + "1704067320000,100,101,99,100\n", /line 4/],
  ] as const).map(([what, text, error]): CliCase => ({
    name: `csv: ${what}`,
    files: { "data.csv": text },
    args: ["--mode", "backtest", "--source", "csv", "--csv", "data.csv"],
    error: new RegExp(`^Invalid (--csv )?data\\.csv.*${error.source}`),
  })),
  {
    name: "csv: missing file",
    args: ["--mode", "backtest", "--source", "csv", "--csv", "nope.csv"],
    error: /^Invalid --csv nope\.csv: file not found$/,
  },
  // replay files
  {
    name: "replay: a line that is not JSON",
    files: {
      "events.jsonl": "{not json\n" + JSON.stringify({ event: "run.started", runId: "r1" }) + "\n",
    },
    args: ["--replay", "events.jsonl"],
    error: /^Invalid replay file events\.jsonl line 1: .*JSON/,
  },
  {
    name: "replay: no run.started",
    files: {
      "events.jsonl": JSON.stringify({ ts: "x", event: "agent.step", agent: "market" }) + "\n",
    },
    args: ["--replay", "events.jsonl"],
    error: /^Invalid .*events\.jsonl.*run\.started/,
  },
  {
    name: "replay: missing file",
    args: ["--replay", "missing.jsonl"],
    error: /^Invalid replay file missing\.jsonl: expected a readable events\.jsonl/,
  },
];

/** Runs `f` over `items` with at most `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

Deno.test("bad input: the CLI answers one line, exit 2, writes nothing", async (t) => {
  const results = await pool(CASES, 8, async (c) => {
    const dir = await Deno.makeTempDir({ prefix: "la-bad-input-" });
    try {
      await Deno.mkdir(`${dir}/config`);
      await Deno.writeTextFile(`${dir}/config/KILL_SWITCH.txt`, "FALSE\n");
      for (const [name, text] of Object.entries(c.files ?? {})) {
        await Deno.writeTextFile(`${dir}/${name}`, text);
      }
      const before = new Set(await listFiles(dir));
      const r = await runCli(c.args, { cwd: dir, env: c.env });
      const created = (await listFiles(dir)).filter((p) => !before.has(p))
        .map((p) => p.slice(dir.length + 1));
      return { r, created };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  for (const [i, c] of CASES.entries()) {
    await t.step(c.name, () => {
      const { r, created } = results[i];
      const err = r.stderr.trim();
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.equal(err.split("\n").length, 1, `one line: ${r.stderr}`);
      assert.match(err, c.error);
      assert.doesNotMatch(r.stderr, /\n\s+at |Error: |Uncaught/, "no stack trace");
      if (c.never) assert.ok(!r.stderr.includes(c.never), "secret echoed");
      assert.deepEqual(created.filter((p) => !p.startsWith("logs/")), [], "nothing half-written");
    });
  }
});

Deno.test("bad input: dashboard requests get a documented 4xx with a one-line JSON error", async (t) => {
  const token = "a".repeat(64);
  let tripped = false;
  const app = createDashboard({
    readModel: new LiveReadModel(),
    killSwitch: {
      read: () => Promise.resolve(tripped),
      trip: () => {
        tripped = true;
        return Promise.resolve();
      },
    },
    runs: { list: () => Promise.resolve([]), summaryHtml: () => Promise.resolve(null) },
    logs: { tail: () => Promise.resolve([]) },
    heartbeat: () => Promise.resolve(null),
    now: () => Date.UTC(2026, 0, 1),
    token,
    allowedHosts: ["127.0.0.1:5000", "localhost:5000"],
  });
  const H = { host: "127.0.0.1:5000" };
  const cases: {
    name: string;
    path: string;
    init?: RequestInit;
    status: number;
    error: RegExp;
  }[] = [
    {
      name: "logs: unknown level",
      path: "/api/logs?level=loud",
      status: 400,
      error: /level must be one of/,
    },
    { name: "logs: limit not a number", path: "/api/logs?limit=ten", status: 400, error: /^limit/ },
    { name: "logs: limit too large", path: "/api/logs?limit=99999", status: 400, error: /^limit/ },
    { name: "logs: limit zero", path: "/api/logs?limit=0", status: 400, error: /^limit/ },
    { name: "run id with dots", path: "/runs/..%2F..%2Fetc/summary.html", status: 400, error: /./ },
    { name: "unknown route", path: "/api/nope", status: 404, error: /^not found$/ },
    {
      name: "wrong Host",
      path: "/api/state",
      init: { headers: { host: "evil.example:5000" } },
      status: 403,
      error: /^host not allowed$/,
    },
    {
      name: "Host with bad characters",
      path: "/api/state",
      init: { headers: { host: "a b" } },
      status: 400,
      error: /^Host header has invalid characters$/,
    },
    {
      name: "kill switch: missing token",
      path: "/api/kill-switch",
      init: { method: "POST", headers: H },
      status: 403,
      error: /^missing or wrong x-dashboard-token$/,
    },
    {
      name: "kill switch: wrong token",
      path: "/api/kill-switch",
      init: { method: "POST", headers: { ...H, "x-dashboard-token": "b".repeat(64) } },
      status: 403,
      error: /^missing or wrong x-dashboard-token$/,
    },
    {
      name: "kill switch: bad JSON body",
      path: "/api/kill-switch",
      init: { method: "POST", headers: { ...H, "x-dashboard-token": token }, body: "{oops" },
      status: 400,
      error: /^body must be JSON$/,
    },
    {
      name: "kill switch: unknown body key",
      path: "/api/kill-switch",
      init: {
        method: "POST",
        headers: { ...H, "x-dashboard-token": token },
        body: JSON.stringify({ reason: "x", extra: 1 }),
      },
      status: 400,
      error: /./,
    },
    {
      name: "kill switch: foreign Origin",
      path: "/api/kill-switch",
      init: {
        method: "POST",
        headers: { ...H, "x-dashboard-token": token, origin: "http://evil.example" },
      },
      status: 403,
      error: /^origin not allowed$/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const init = c.init ?? { headers: H };
      const headers = new Headers(init.headers);
      if (!headers.has("host")) headers.set("host", H.host);
      const res = await app.request(`http://127.0.0.1:5000${c.path}`, { ...init, headers });
      const text = await res.text();
      assert.equal(res.status, c.status, text);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      assert.equal(text.includes("\n"), false, "one line");
      const body = JSON.parse(text);
      assert.deepEqual(Object.keys(body), ["error"]);
      assert.match(body.error, c.error);
    });
  }
  await t.step("none of the bad requests tripped the kill switch", () => {
    assert.equal(tripped, false);
  });
});
