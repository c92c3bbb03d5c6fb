import assert from "node:assert/strict";
import { isInputError } from "../../src/core/errors.ts";
import { extractHomeFlag, HOME_ENV, resolveAgentHome } from "../../src/ops/agent_home.ts";

Deno.test("agent home: --home is taken out of the program's own arguments", async (t) => {
  await t.step("before a command, after it, with = and with --mode", () => {
    assert.deepEqual(extractHomeFlag(["--home", "/x", "kill"]), { home: "/x", args: ["kill"] });
    assert.deepEqual(extractHomeFlag(["kill", "--home=/x", "--reset"]), {
      home: "/x",
      args: ["kill", "--reset"],
    });
    assert.deepEqual(extractHomeFlag(["--mode", "backtest", "--home", "/x", "--backtest", "5"]), {
      home: "/x",
      args: ["--mode", "backtest", "--backtest", "5"],
    });
  });
  await t.step("absent: no home, arguments unchanged", () => {
    assert.deepEqual(extractHomeFlag(["status"]), { home: undefined, args: ["status"] });
  });
  await t.step("arguments after -- belong to the watchdog's child and are left alone", () => {
    const argv = ["watchdog", "--", "--home", "/y", "--mode", "live-session"];
    assert.deepEqual(extractHomeFlag(argv), { home: undefined, args: argv });
    assert.deepEqual(extractHomeFlag(["--home", "/x", "watchdog", "--", "--home", "/y"]), {
      home: "/x",
      args: ["watchdog", "--", "--home", "/y"],
    });
  });
  await t.step("missing value, empty value and a repeated flag are input errors", () => {
    for (
      const argv of [["kill", "--home"], ["--home", "--mode", "backtest"], ["--home=", "kill"], [
        "--home",
        "/a",
        "--home",
        "/b",
        "kill",
      ]]
    ) {
      assert.throws(() => extractHomeFlag(argv), isInputError, argv.join(" "));
    }
    assert.throws(() => extractHomeFlag(["--home"]), /^InputError: Invalid --home: /);
  });
});

Deno.test("agent home: resolving and checking the folder", async (t) => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/home`);
    await Deno.writeTextFile(`${dir}/file.txt`, "x");
    await t.step("a relative folder resolves against the given base", () => {
      assert.equal(resolveAgentHome("home", "--home", dir), `${dir}/home`);
      assert.equal(resolveAgentHome(`${dir}/home/../home/`, HOME_ENV, "/"), `${dir}/home`);
    });
    await t.step("a missing folder is an input error naming the source", () => {
      assert.throws(
        () => resolveAgentHome("nope", "--home", dir),
        (e) =>
          isInputError(e) &&
          e.message === `Invalid --home: an existing folder (${dir}/nope does not exist)`,
      );
      assert.throws(
        () => resolveAgentHome("nope", HOME_ENV, dir),
        (e) => isInputError(e) && e.message.startsWith(`Invalid ${HOME_ENV}: an existing folder`),
      );
    });
    await t.step("a file is not a home", () => {
      assert.throws(
        () => resolveAgentHome("file.txt", "--home", dir),
        (e) =>
          isInputError(e) &&
          e.message === `Invalid --home: an existing folder (${dir}/file.txt is not a folder)`,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
