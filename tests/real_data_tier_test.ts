import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  REAL_DATA_ENV,
  REQUIRE_REAL_DATA_ENV,
  requiredLine,
  resolveRealDataDir,
  SKIP_NOTICE_ENV,
  skipLine,
} from "./_real_data.ts";

const HELPER = new URL("./_real_data.ts", import.meta.url).href;
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("the real data folder: LAPTOP_AGENTS_DATA, else ../shared/data beside the repository", () => {
  assert.equal(resolveRealDataDir(undefined), `${dirname(ROOT)}/shared/data`);
  assert.equal(resolveRealDataDir(""), `${dirname(ROOT)}/shared/data`);
  assert.equal(resolveRealDataDir("/data/candles/"), "/data/candles");
  assert.equal(resolveRealDataDir("candles"), `${Deno.cwd()}/candles`);
  assert.equal(
    skipLine("/x/shared/data"),
    "real-data tier skipped: no data at /x/shared/data (set LAPTOP_AGENTS_DATA)",
  );
});

Deno.test("a real-data test: ignored with one line when the data is missing, failed when it is required, run when it is there", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    // two test modules: the skip line is printed once per run, not once per module
    for (const name of ["a", "b"]) {
      await Deno.writeTextFile(
        `${dir}/${name}_test.ts`,
        `import { realDataTest } from "${HELPER}";\n` +
          `Deno.test("plain ${name}", () => {});\n` +
          `realDataTest("${name}", async () => {});\n`,
      );
    }
    const run = async (vars: Record<string, string>) => {
      const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...vars };
      for (const k of [REAL_DATA_ENV, REQUIRE_REAL_DATA_ENV, SKIP_NOTICE_ENV]) {
        if (!(k in vars)) delete env[k];
      }
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["test", "--no-check", "--allow-read", "--allow-env", dir],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
    };
    const missing = `${dir}/shared/data`;
    await t.step("missing: ignored, one line naming the folder", async () => {
      const r = await run({ [REAL_DATA_ENV]: missing });
      assert.equal(r.code, 0, r.text);
      assert.equal(r.text.split(skipLine(missing)).length - 1, 1, r.text);
      assert.match(r.text, /^real data: a \.\.\. ignored/m);
      assert.match(r.text, /\| 2 passed \| 0 failed \| 2 ignored/);
    });
    await t.step("missing with REQUIRE_REAL_DATA=1: failed", async () => {
      const r = await run({ [REAL_DATA_ENV]: missing, [REQUIRE_REAL_DATA_ENV]: "1" });
      assert.notEqual(r.code, 0, r.text);
      assert.ok(r.text.includes(requiredLine(missing)), r.text);
      assert.doesNotMatch(r.text, /ignored \(/);
      assert.match(r.text, /\| 2 passed \| 2 failed/);
    });
    await t.step("present: run", async () => {
      const r = await run({ [REAL_DATA_ENV]: dir, [REQUIRE_REAL_DATA_ENV]: "1" });
      assert.equal(r.code, 0, r.text);
      assert.ok(!r.text.includes("real-data tier"), r.text);
      assert.match(r.text, /\| 4 passed \| 0 failed/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a real-data test declared with ignore is reported as ignored, data or not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/c_test.ts`,
      `import { realDataTest } from "${HELPER}";\n` +
        `realDataTest("c", () => Promise.reject(new Error("ran")), { ignore: true });\n`,
    );
    for (const data of [dir, `${dir}/missing`]) {
      const env: Record<string, string> = {
        ...Deno.env.toObject(),
        NO_COLOR: "1",
        [REAL_DATA_ENV]: data,
        [REQUIRE_REAL_DATA_ENV]: "1",
      };
      delete env[SKIP_NOTICE_ENV];
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["test", "--no-check", "--allow-read", "--allow-env", dir],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      const text = dec.decode(out.stdout) + dec.decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.match(text, /^real data: c \.\.\. ignored/m);
      assert.match(text, /\| 0 passed \| 0 failed \| 1 ignored/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
