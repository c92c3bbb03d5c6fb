/**
 * `deno task verify`: format check, lint, type check of everything, the tests, the bundle
 * check. Prints each step's duration, `N passed, N failed` for the tests, then
 * `VERIFY: PASS` or `VERIFY: FAIL` (exit 1).
 *
 * The tests run in two parts, so that each runs once:
 * - the whole suite in a scratch copy of the repository (`_clean_copy.ts`) in a fresh
 *   temporary folder with nothing beside it: what a new user's clone gets. Every
 *   generated-data test runs there; the real-data tier is ignored (named in the output).
 *   Deno's caches are shared, so nothing is downloaded again.
 * - the real-data tier (`tests/_real_data.ts`) here, on the data folder beside the
 *   repository or named by `LAPTOP_AGENTS_DATA`; when there is none, one line says where it
 *   was looked for, unless `REQUIRE_REAL_DATA=1` (then the tier runs and fails).
 * Outside a git work tree, or inside the scratch copy (`LAPTOP_AGENTS_VERIFY_COPY` set, so
 * verify never nests), the whole suite runs here instead.
 */
import { copyRepository } from "./_clean_copy.ts";
import {
  isDataDir,
  REAL_DATA_ENV,
  REAL_DATA_PREFIX,
  realDataDir,
  realDataRequired,
  REQUIRE_REAL_DATA_ENV,
  SKIP_NOTICE_ENV,
  skipLine,
} from "../tests/_real_data.ts";

const deno = Deno.execPath();
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Set in the scratch copy's environment: a verify started there runs no copy of its own. */
const COPY_ENV = "LAPTOP_AGENTS_VERIFY_COPY";
const PERMS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-run",
  "--allow-sys",
];

interface StepResult {
  readonly ok: boolean;
  readonly out: string;
}

/** Runs `deno ARGS` in `cwd`, streaming its output (and keeping it when `capture`). */
async function step(
  name: string,
  args: string[],
  opts: { capture?: boolean; cwd?: string; env?: Record<string, string> } = {},
): Promise<StepResult> {
  console.log(`\n== ${name}: deno ${args.join(" ")}${opts.cwd ? `  (in ${opts.cwd})` : ""}`);
  const env = opts.env ?? { ...Deno.env.toObject(), NO_COLOR: "1" };
  const cmd = new Deno.Command(deno, {
    args,
    cwd: opts.cwd ?? ROOT,
    stdout: opts.capture ? "piped" : "inherit",
    stderr: opts.capture ? "piped" : "inherit",
    env,
    clearEnv: true,
  });
  if (!opts.capture) {
    const { success } = await cmd.output();
    return { ok: success, out: "" };
  }
  const child = cmd.spawn();
  const dec = new TextDecoder();
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>, w: { writeSync(b: Uint8Array): number }) => {
    for await (const chunk of s) {
      out += dec.decode(chunk, { stream: true });
      w.writeSync(chunk);
    }
  };
  await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  const { success } = await child.status;
  return { ok: success, out };
}

/** Counts of a `deno test` run, from its summary line; null when it printed none. */
interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly ignored: number;
}

function testCounts(out: string): TestCounts | null {
  const line = out.match(/^(?:ok|FAILED) \|.*$/gm)?.at(-1);
  const n = (re: RegExp) => Number(line?.match(re)?.[1] ?? 0);
  if (line === undefined || !/\d+ passed/.test(line)) return null;
  return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/), ignored: n(/(\d+) ignored/) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const results: { name: string; ok: boolean; ms: number }[] = [];
const tests: TestCounts[] = [];

async function timed(name: string, run: () => Promise<boolean>): Promise<void> {
  const t0 = performance.now();
  const ok = await run();
  results.push({ name, ok, ms: performance.now() - t0 });
}

/**
 * Runs a test command and records its counts: a run that fails with no failed test, or
 * prints no summary, counts one failure. True when it passed.
 */
async function testStep(
  name: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ ok: boolean; counts: TestCounts }> {
  const r = await step(name, args, { ...opts, capture: true });
  const c = testCounts(r.out) ?? { passed: 0, failed: 0, ignored: 0 };
  const counts = {
    ...c,
    failed: r.ok && testCounts(r.out) !== null ? c.failed : Math.max(1, c.failed),
  };
  tests.push(counts);
  return { ok: r.ok && counts.failed === 0, counts };
}

const verifyStart = performance.now();
await timed("fmt", async () => (await step("format", ["fmt", "--check"])).ok);
await timed("lint", async () => (await step("lint", ["lint"])).ok);
await timed(
  "check",
  async () =>
    (await step("type check", ["check", "main.ts", "src/", "tests/", "scripts/", "bench/"])).ok,
);

// Every test with no real data: in a clean copy when there can be one, else here with the
// data folder pointed at a missing one. Only the environment's real-data settings differ.
const scratch = await Deno.makeTempDir({ prefix: "laptop-agents-clean-" });
try {
  const noData: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", [COPY_ENV]: "1" };
  for (const k of [REAL_DATA_ENV, REQUIRE_REAL_DATA_ENV, SKIP_NOTICE_ENV]) delete noData[k];
  const copy = `${scratch}/laptop-agents`;
  const copied = Deno.env.get(COPY_ENV) === undefined ? await copyRepository(ROOT, copy) : null;
  const args = ["test", ...PERMS, "tests/"];
  if (copied !== null) {
    await timed("tests (clean copy)", async () => {
      console.log(`\n${copied} repository files copied to ${copy}, nothing beside it`);
      return (await testStep("tests, in a clean copy", args, { cwd: copy, env: noData })).ok;
    });
  } else {
    const why = Deno.env.get(COPY_ENV) === undefined ? "not a git work tree" : "inside a copy";
    console.log(`\n${why}: no clean copy; the tests run here with no real data`);
    const env = { ...noData, [REAL_DATA_ENV]: `${scratch}/shared/data` };
    await timed("tests", async () => (await testStep("tests", args, { env })).ok);
  }
} finally {
  await Deno.remove(scratch, { recursive: true });
}

// The real-data tier, here, when its data is here (or it is required).
const dataDir = realDataDir();
if (isDataDir(dataDir) || realDataRequired()) {
  await timed("real-data tier", async () => {
    const args = ["test", ...PERMS, `--filter=/^${REAL_DATA_PREFIX}/`, "tests/"];
    const { ok, counts } = await testStep("real-data tier", args);
    console.log(
      `real-data tier: ${counts.passed} passed, ${counts.failed} failed, ${counts.ignored} ignored (data: ${dataDir})`,
    );
    return ok && counts.passed > 0 && counts.ignored === 0;
  });
} else {
  console.log(`\n${skipLine(dataDir)}`);
}

await timed(
  "bundle-check",
  async () => (await step("bundle check", ["run", ...PERMS, "scripts/bundle_check.ts"])).ok,
);

const passed = tests.reduce((n, c) => n + c.passed, 0);
const failed = tests.reduce((n, c) => n + c.failed, 0);
console.log("");
for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"} ${r.name} (${seconds(r.ms)})`);
console.log(`verify took ${seconds(performance.now() - verifyStart)}`);
console.log(`${passed} passed, ${failed} failed`);
const ok = results.every((r) => r.ok);
console.log(ok ? "VERIFY: PASS" : "VERIFY: FAIL");
Deno.exit(ok ? 0 : 1);
