import assert from "node:assert/strict";

const SRC = new URL("../src/", import.meta.url).pathname;

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}${e.name}`;
    if (e.isDirectory) yield* walk(`${p}/`);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/** The layer of a source file: core, config, engine, exchange/sim, exchange/bitunix, ... */
function layer(path: string): string {
  const rel = path.slice(SRC.length);
  const parts = rel.split("/");
  return parts[0] === "exchange" ? `exchange/${parts[1]}` : parts[0];
}

function resolve(from: string, spec: string): string {
  return new URL(spec, `file://${from}`).pathname;
}

/** Layers each layer may import (besides itself and bare packages). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  indicators: ["core"],
  config: ["core", "strategy"],
  strategy: ["core", "indicators"],
  engine: ["core", "strategy", "indicators"],
  "exchange/sim": ["core"],
  "exchange/bitunix": ["core", "config"],
  data: ["core", "config", "exchange/bitunix"],
  ops: ["core", "config"],
  dashboard: ["core", "engine", "research"],
  notify: ["core", "config"],
  // parameter sweeps: pure, on top of the engine (never app/, never I/O)
  research: ["core", "config", "indicators", "strategy", "engine", "data"],
  app: [
    "core",
    "config",
    "indicators",
    "strategy",
    "engine",
    "exchange/sim",
    "exchange/bitunix",
    "data",
    "ops",
    "dashboard",
    "notify",
    "research",
  ],
};

/** Layers that may touch Deno.* (I/O); config only to load env and .env files. */
const DENO_ALLOWED = new Set(["ops", "data", "exchange/bitunix", "app", "config"]);

Deno.test("source layers import only in the designed direction", async () => {
  const problems: string[] = [];
  for await (const file of walk(SRC)) {
    const text = await Deno.readTextFile(file);
    const own = layer(file);
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) =>
      m[1]
    );
    for (const spec of specs) {
      const target = resolve(file, spec);
      if (!target.startsWith(SRC)) continue;
      const to = layer(target);
      if (to !== own && !(ALLOWED[own] ?? []).includes(to)) {
        problems.push(`${file.slice(SRC.length)} imports ${to} (${spec})`);
      }
    }
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    if (!DENO_ALLOWED.has(own) && /\bDeno\.[a-zA-Z]/.test(code)) {
      problems.push(`${file.slice(SRC.length)} touches Deno.* outside an I/O layer`);
    }
    if ((own === "core" || own === "indicators") && /\b(Date\.now|Math\.random)\b/.test(code)) {
      problems.push(`${file.slice(SRC.length)}: ${own} must not read the clock or randomness`);
    }
  }
  assert.deepEqual(problems, []);
});

/** Packages only tests and benchmarks may import (reference implementations). */
const DEV_ONLY = ["talib-web", "trading-signals"];

Deno.test("source files never import the test-only packages", async () => {
  const problems: string[] = [];
  for await (const file of walk(SRC)) {
    const text = await Deno.readTextFile(file);
    for (const pkg of DEV_ONLY) {
      if (new RegExp(`["'](npm:)?${pkg}(@[^"']*)?(/[^"']*)?["']`).test(text)) {
        problems.push(`${file.slice(SRC.length)} imports ${pkg}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("the engine has no mode switches (one engine for every mode)", async () => {
  for await (const file of walk(`${SRC}engine/`)) {
    const text = await Deno.readTextFile(file);
    assert.doesNotMatch(
      text,
      /mode\s*===\s*"(backtest|paper|live|orchestrated|live-session)"/,
      file,
    );
  }
});
