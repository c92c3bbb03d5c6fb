import assert from "node:assert/strict";
import {
  DEFAULT_BITUNIX_BASE_URL,
  DEFAULT_BITUNIX_WS_URL,
  loadBitunixEnv,
  parseDotEnv,
  redactBitunixEnv,
  redactText,
} from "../../src/config/env.ts";

const SECRET = "s3cr3t-value-that-must-not-leak";

Deno.test("Bitunix env loading", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "bitunix_env_" });
  const envFile = `${dir}/.env`;
  const noEnv = () => undefined;
  try {
    await t.step("defaults when nothing is set", () => {
      const e = loadBitunixEnv({ getEnv: noEnv, envFile });
      assert.equal(e.baseUrl, DEFAULT_BITUNIX_BASE_URL);
      assert.equal(e.wsUrl, DEFAULT_BITUNIX_WS_URL);
      assert.equal(e.apiKey, undefined);
      assert.equal(e.apiSecret, undefined);
    });

    await t.step(".env is read; the environment wins", async () => {
      await Deno.writeTextFile(
        envFile,
        [
          "# comment",
          "export BITUNIX_API_KEY=file-key-123",
          `BITUNIX_API_SECRET="${SECRET}"`,
          "BITUNIX_BASE_URL=http://127.0.0.1:9999/ # local",
          "OTHER=ignored",
        ].join("\n"),
      );
      const fromFile = loadBitunixEnv({ getEnv: noEnv, envFile });
      assert.equal(fromFile.apiKey, "file-key-123");
      assert.equal(fromFile.apiSecret, SECRET);
      assert.equal(fromFile.baseUrl, "http://127.0.0.1:9999");
      assert.deepEqual(fromFile.source, { apiKey: ".env", apiSecret: ".env" });
      const env = { BITUNIX_API_KEY: "env-key-456", BITUNIX_API_SECRET: "" };
      const mixed = loadBitunixEnv({ getEnv: (k) => env[k as keyof typeof env], envFile });
      assert.equal(mixed.apiKey, "env-key-456");
      assert.equal(mixed.apiSecret, SECRET, "empty env value falls back to .env");
    });

    await t.step("bad values are InputErrors naming the variable, never echoing secrets", () => {
      const env: Record<string, string> = { BITUNIX_WS_URL: "https://not-a-ws" };
      assert.throws(
        () => loadBitunixEnv({ getEnv: (k) => env[k], useEnvFile: false }),
        (e: Error) => e.name === "InputError" && /BITUNIX_WS_URL/.test(e.message),
      );
      const bad: Record<string, string> = { BITUNIX_API_SECRET: `${SECRET} with space` };
      assert.throws(
        () => loadBitunixEnv({ getEnv: (k) => bad[k], useEnvFile: false }),
        (e: Error) =>
          e.name === "InputError" && /BITUNIX_API_SECRET/.test(e.message) &&
          !e.message.includes(SECRET),
      );
    });

    await t.step("requireCredentials reports what is missing", () => {
      assert.throws(
        () => loadBitunixEnv({ getEnv: noEnv, useEnvFile: false, requireCredentials: true }),
        /BITUNIX_API_KEY and BITUNIX_API_SECRET/,
      );
    });

    await t.step("redaction hides the secret and masks the key", () => {
      const e = loadBitunixEnv({ getEnv: noEnv, envFile });
      const dump = JSON.stringify(redactBitunixEnv(e));
      assert.ok(!dump.includes(SECRET));
      assert.ok(!dump.includes("file-key-123"));
      assert.match(dump, /"apiSecret":"\*\*\*"/);
      assert.equal(redactText(`x ${SECRET} y`, [SECRET]), "x *** y");
    });

    await t.step("parseDotEnv handles quotes and junk lines", () => {
      assert.deepEqual(parseDotEnv("A='1 2'\nnot a line\nB = 3\n"), { A: "1 2", B: "3" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
