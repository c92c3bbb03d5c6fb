/**
 * One agent home: `--home DIR` / LAPTOP_AGENTS_HOME decide where config/, runs/, logs/ and
 * paper/ are, whatever the working directory; the real CLI is run from another folder.
 */
import assert from "node:assert/strict";
import { readKillSwitch } from "../../src/ops/kill_switch.ts";
import { exists, runCli } from "./_session_helpers.ts";

const NO_AGENT = (home: string) =>
  `Warning: no running agent found under ${home} (logs/agent.pid); an agent started from ` +
  "another folder will not see this file.";

Deno.test("agent home on the command line", async (t) => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "la-home-" }));
  const home = `${root}/home`;
  const elsewhere = `${root}/elsewhere`;
  const ks = `${home}/config/KILL_SWITCH.txt`;
  await Deno.mkdir(home);
  await Deno.mkdir(elsewhere);
  const env = { LAPTOP_AGENTS_HOME: "" };
  try {
    await t.step("kill --home from another folder trips the home's switch", async () => {
      const r = await runCli(["--home", home, "kill"], { cwd: elsewhere, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readKillSwitch(ks)).reason, "true");
      assert.ok(!exists(`${elsewhere}/config`), "nothing written in the working directory");
      const lines = r.stdout.trim().split("\n");
      assert.match(lines[0], new RegExp(`^KILL SWITCH TRIPPED: wrote TRUE to ${ks} \\(was off\\)`));
      assert.equal(lines[1], NO_AGENT(home));
    });

    await t.step("LAPTOP_AGENTS_HOME does the same, a relative one from the cwd", async () => {
      const r = await runCli(["kill", "--reset"], {
        cwd: root,
        env: { LAPTOP_AGENTS_HOME: "home" },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readKillSwitch(ks)).reason, "false");
      assert.match(r.stdout, new RegExp(`wrote FALSE to ${ks} `));
      assert.ok(!exists(`${root}/config`));
    });

    await t.step("the flag wins over the environment", async () => {
      const r = await runCli(["kill", "--home", home], {
        cwd: elsewhere,
        env: { LAPTOP_AGENTS_HOME: `${root}/no-such-folder` },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readKillSwitch(ks)).reason, "true");
    });

    await t.step("no warning while an agent of this home is alive", async () => {
      await Deno.mkdir(`${home}/logs`, { recursive: true });
      await Deno.writeTextFile(`${home}/logs/agent.pid`, `${Deno.pid}\n`); // this test: alive
      try {
        const r = await runCli(["kill", "--reset"], {
          cwd: elsewhere,
          env: { ...env, LAPTOP_AGENTS_HOME: home },
        });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes("Warning"), r.stdout);
      } finally {
        await Deno.remove(`${home}/logs/agent.pid`);
      }
    });

    await t.step("status names the home and the absolute kill switch path", async () => {
      const r = await runCli(["status"], { cwd: elsewhere, env: { LAPTOP_AGENTS_HOME: home } });
      assert.equal(r.code, 1, "no agent running");
      assert.match(r.stdout, new RegExp(`^home: +${home}$`, "m"));
      assert.match(
        r.stdout,
        new RegExp(`^kill switch: off \\(file says FALSE\\) \\[${ks}\\]$`, "m"),
      );
    });

    await t.step("--home works with --mode: a backtest writes runs/ into the home", async () => {
      const r = await runCli(["--mode", "backtest", "--home", home, "--backtest", "200"], {
        cwd: elsewhere,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(exists(`${home}/runs/latest/stats.json`));
      assert.ok(!exists(`${elsewhere}/runs`));
    });

    await t.step("watchdog: the child runs in the home given by the flag", async () => {
      const r = await runCli([
        "--home",
        home,
        "watchdog",
        "--max-restarts",
        "0",
        "--",
        "--mode",
        "backtest",
        "--backtest",
        "200",
        "--runs-dir",
        "wd-flag-runs",
      ], { cwd: elsewhere, env: { LAPTOP_AGENTS_HOME: `${root}/no-such-folder` } });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(exists(`${home}/wd-flag-runs/latest/stats.json`), r.stderr);
      assert.ok(exists(`${home}/logs/watchdog.log`));
      assert.ok(!exists(`${elsewhere}/logs`));
    });

    await t.step("watchdog: the child runs in the home of a relative variable", async () => {
      const r = await runCli([
        "watchdog",
        "--max-restarts",
        "0",
        "--",
        "--mode",
        "backtest",
        "--backtest",
        "200",
        "--runs-dir",
        "wd-env-runs",
      ], { cwd: root, env: { LAPTOP_AGENTS_HOME: "home" } });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(exists(`${home}/wd-env-runs/latest/stats.json`), r.stderr);
    });

    await t.step("watchdog: --home among the child's arguments is refused", async () => {
      const r = await runCli(["watchdog", "--max-restarts", "0", "--", "--home", elsewhere], {
        cwd: elsewhere,
        env: { LAPTOP_AGENTS_HOME: home },
      });
      assert.equal(r.code, 2);
      assert.match(r.stderr.trim(), /^Invalid watchdog arguments: --home goes before the command/);
    });

    await t.step("a home that is missing or not a folder: one line, exit 2", async () => {
      await Deno.writeTextFile(`${root}/a-file`, "x");
      const cases: [string[], Record<string, string>, RegExp][] = [
        [
          ["--home", `${root}/nope`, "kill"],
          env,
          /^Invalid --home: an existing folder \(.*nope does not exist\)$/,
        ],
        [
          ["kill", "--home", `${root}/a-file`],
          env,
          /^Invalid --home: an existing folder \(.*a-file is not a folder\)$/,
        ],
        [["kill", "--home"], env, /^Invalid --home: /],
        [
          ["status"],
          { LAPTOP_AGENTS_HOME: `${root}/nope` },
          /^Invalid LAPTOP_AGENTS_HOME: an existing folder/,
        ],
      ];
      for (const [args, e, expected] of cases) {
        const r = await runCli(args, { cwd: elsewhere, env: e });
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stdout, "");
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], expected);
      }
      assert.deepEqual([...Deno.readDirSync(elsewhere)], [], "nothing written anywhere");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
