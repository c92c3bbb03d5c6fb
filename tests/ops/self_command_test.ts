import assert from "node:assert/strict";
import {
  currentSelfFacts,
  fileUrlToPath,
  findConfigFile,
  selfCommand,
} from "../../src/ops/self_command.ts";

Deno.test("self command", async (t) => {
  await t.step("compiled executable re-launches itself directly", () => {
    const argv = selfCommand({
      standalone: true,
      execPath: "/opt/laptop-agents",
      mainModule: "file:///tmp/deno-compile-laptop-agents/main.ts",
      permissionFlags: ["--allow-read"],
      os: "linux",
    });
    assert.deepEqual(argv, ["/opt/laptop-agents"]);
  });

  await t.step("deno run repeats permissions, config and main module", () => {
    const argv = selfCommand({
      standalone: false,
      execPath: "/usr/local/bin/deno",
      mainModule: "file:///home/me/laptop%20agents/main.ts",
      configPath: "/home/me/laptop agents/deno.json",
      permissionFlags: ["--allow-read", "--allow-run"],
      os: "linux",
    });
    assert.deepEqual(argv, [
      "/usr/local/bin/deno",
      "run",
      "--allow-read",
      "--allow-run",
      "--config",
      "/home/me/laptop agents/deno.json",
      "/home/me/laptop agents/main.ts",
    ]);
  });

  await t.step("no config known: no --config", () => {
    const argv = selfCommand({
      standalone: false,
      execPath: "deno",
      mainModule: "file:///x/main.ts",
      permissionFlags: [],
      os: "linux",
    });
    assert.deepEqual(argv, ["deno", "run", "/x/main.ts"]);
  });

  await t.step("windows file URLs become drive paths", () => {
    assert.equal(fileUrlToPath("file:///C:/agents/main.ts", "windows"), "C:\\agents\\main.ts");
    assert.equal(
      fileUrlToPath("https://example.invalid/x.ts", "linux"),
      "https://example.invalid/x.ts",
    );
  });

  await t.step("finds this repository's deno.json from a nested module", () => {
    const url = new URL("../../src/ops/self_command.ts", import.meta.url).href;
    const found = findConfigFile(url, Deno.build.os);
    assert.ok(found?.endsWith("deno.json"), String(found));
    assert.ok(Deno.statSync(found!).isFile);
  });

  await t.step("current facts under deno test: not standalone, real deno binary", () => {
    const facts = currentSelfFacts();
    assert.equal(facts.standalone, false);
    assert.equal(facts.execPath, Deno.execPath());
    assert.ok(facts.permissionFlags.includes("--allow-run"), "tests run with --allow-all");
    const argv = selfCommand(facts);
    assert.equal(argv[1], "run");
  });
});
