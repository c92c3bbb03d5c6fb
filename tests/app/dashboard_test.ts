import assert from "node:assert/strict";
import { isInputError } from "../../src/core/errors.ts";
import {
  allowedHostsFor,
  command,
  newDashboardToken,
  startDashboardServer,
} from "../../src/app/supervise/dashboard.ts";
import { LiveReadModel } from "../../src/dashboard/live/read_model.ts";

async function tempLayout() {
  const root = await Deno.makeTempDir({ prefix: "dashboard_app_" });
  await Deno.mkdir(`${root}/runs/20260101-000000-backtest-abcd`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/runs/20260101-000000-backtest-abcd/stats.json`,
    JSON.stringify({
      start_equity: 10_000,
      end_equity: 10_010,
      net_pnl: 10,
      return_pct: 0.1,
      trades: 2,
      win_rate: 0.5,
      max_drawdown_pct: 0.2,
    }),
  );
  await Deno.writeTextFile(
    `${root}/runs/20260101-000000-backtest-abcd/summary.html`,
    "<html>report</html>",
  );
  await Deno.mkdir(`${root}/logs`);
  await Deno.writeTextFile(
    `${root}/logs/system.jsonl`,
    [
      { ts: "2026-01-01T00:00:00Z", level: "debug", component: "a", event: "x.done", runId: "r" },
      { ts: "2026-01-01T00:00:01Z", level: "warn", component: "a", event: "y.done", runId: "r" },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  await Deno.mkdir(`${root}/config`);
  await Deno.writeTextFile(`${root}/config/KILL_SWITCH.txt`, "FALSE\n");
  return root;
}

Deno.test("dashboard server", async (t) => {
  const root = await tempLayout();
  const lines: string[] = [];
  const opts = {
    port: 0,
    host: "127.0.0.1",
    runsDir: `${root}/runs`,
    logsDir: `${root}/logs`,
    killSwitchPath: `${root}/config/KILL_SWITCH.txt`,
    print: (l: string) => lines.push(l),
  };
  try {
    await t.step("serves history, logs and trips the kill switch file", async () => {
      const readModel = new LiveReadModel();
      const server = await startDashboardServer({ ...opts, readModel });
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
        assert.ok(server.port > 0);
        assert.ok(lines.some((l) => l.includes(server.url)), "prints the URL");
        assert.ok(!lines.some((l) => l.startsWith("WARNING")));

        const runs = await (await fetch(`${server.url}api/runs`)).json();
        assert.deepEqual(runs.runs.map((r: { id: string }) => r.id), [
          "20260101-000000-backtest-abcd",
        ]);
        const summary = await fetch(`${server.url}runs/20260101-000000-backtest-abcd/summary.html`);
        assert.equal(await summary.text(), "<html>report</html>");
        const logs = await (await fetch(`${server.url}api/logs?level=warn`)).json();
        assert.deepEqual(logs.logs.map((r: { event: string }) => r.event), ["y.done"]);

        const page = await (await fetch(server.url)).text();
        const token = /name="dashboard-token" content="([0-9a-f]{64})"/.exec(page)?.[1];
        assert.ok(token, "token in the page");
        const before = await (await fetch(`${server.url}api/state`)).json();
        assert.equal(before.killSwitch, false);
        const denied = await fetch(`${server.url}api/kill-switch`, { method: "POST" });
        assert.equal(denied.status, 403);
        await denied.body?.cancel();
        assert.equal((await Deno.readTextFile(opts.killSwitchPath)).trim(), "FALSE");
        const ok = await fetch(`${server.url}api/kill-switch`, {
          method: "POST",
          headers: { "x-dashboard-token": token },
        });
        assert.deepEqual(await ok.json(), { killSwitch: true });
        assert.equal((await Deno.readTextFile(opts.killSwitchPath)).trim(), "TRUE");
        const after = await (await fetch(`${server.url}api/state`)).json();
        assert.equal(after.killSwitch, true);
        const leftovers = [...Deno.readDirSync(`${root}/config`)].map((e) => e.name);
        assert.deepEqual(leftovers, ["KILL_SWITCH.txt"], "no temp file left behind");
      } finally {
        await server.close();
      }
    });

    await t.step("close() ends open SSE streams", async () => {
      const readModel = new LiveReadModel();
      const server = await startDashboardServer({ ...opts, readModel });
      const res = await fetch(`${server.url}api/events`);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.match(first, /event: hello/);
      assert.equal(readModel.subscriberCount, 1);
      await server.close(); // must not wait for the client to leave
      // the stream ends (cleanly or with a connection error, depending on timing)
      let done = false;
      while (!done) done = await reader.read().then((r) => r.done, () => true);
      assert.equal(readModel.subscriberCount, 0);
    });

    await t.step("the abort signal closes the server", async () => {
      const stop = new AbortController();
      const server = await startDashboardServer({
        ...opts,
        readModel: new LiveReadModel(),
        signal: stop.signal,
      });
      stop.abort();
      await server.close();
      await assert.rejects(fetch(`${server.url}api/state`));
    });

    await t.step("a foreign Host header is refused over the wire too", async () => {
      const server = await startDashboardServer({ ...opts, readModel: new LiveReadModel() });
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        await conn.write(
          new TextEncoder().encode(
            "GET /api/state HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
          ),
        );
        let text = "";
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += new TextDecoder().decode(buf.subarray(0, n));
        }
        conn.close();
        assert.match(text, /^HTTP\/1\.1 403/);
      } finally {
        await server.close();
      }
    });

    await t.step("binding beyond 127.0.0.1 prints a warning", async () => {
      lines.length = 0;
      const server = await startDashboardServer({
        ...opts,
        host: "127.0.0.2",
        readModel: new LiveReadModel(),
      });
      try {
        assert.ok(lines.some((l) => l.startsWith("WARNING") && l.includes("127.0.0.2")));
        assert.match(server.url, /^http:\/\/127\.0\.0\.2:\d+\/$/);
        const res = await fetch(`${server.url}api/state`);
        assert.equal(res.status, 200);
        await res.body?.cancel();
      } finally {
        await server.close();
      }
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("dashboard command", async (t) => {
  await t.step("is named dashboard and documents its flags", async () => {
    assert.equal(command.name, "dashboard");
    const help = await command.help();
    for (const flag of ["--port", "--host", "--runs-dir", "--logs-dir", "--kill-switch"]) {
      assert.ok(help.includes(flag), flag);
    }
  });

  await t.step("rejects bad flags as input errors", async () => {
    for (const argv of [["--port", "70000"], ["--port", "x"], ["--host", "a b"], ["--nope"]]) {
      await assert.rejects(command.run(argv), (e) => isInputError(e), argv.join(" "));
    }
  });

  await t.step("helpers", () => {
    assert.match(newDashboardToken(), /^[0-9a-f]{64}$/);
    assert.notEqual(newDashboardToken(), newDashboardToken());
    assert.deepEqual(allowedHostsFor("127.0.0.1", 5000), [
      "127.0.0.1:5000",
      "localhost:5000",
      "[::1]:5000",
    ]);
    assert.ok(allowedHostsFor("192.168.1.5", 8080).includes("192.168.1.5:8080"));
  });
});
