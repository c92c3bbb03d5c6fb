/**
 * `deno task verify`: format check, lint, type check of everything, all tests and the
 * bundle check. Prints `N passed, N failed` for the tests, then `VERIFY: PASS` or
 * `VERIFY: FAIL` (exit 1).
 */
const deno = Deno.execPath();
const PERMS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-run",
  "--allow-sys",
];

async function step(
  name: string,
  args: string[],
  capture = false,
): Promise<{ ok: boolean; out: string }> {
  console.log(`\n== ${name}: deno ${args.join(" ")}`);
  const cmd = new Deno.Command(deno, {
    args,
    stdout: capture ? "piped" : "inherit",
    stderr: capture ? "piped" : "inherit",
    env: { NO_COLOR: "1" },
  });
  if (!capture) {
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

const results: [string, boolean][] = [];
results.push(["fmt", (await step("format", ["fmt", "--check"])).ok]);
results.push(["lint", (await step("lint", ["lint"])).ok]);
results.push([
  "check",
  (await step("type check", ["check", "main.ts", "src/", "tests/", "scripts/", "bench/"])).ok,
]);
const test = await step("tests", ["test", ...PERMS, "tests/"], true);
results.push(["test", test.ok]);
results.push([
  "bundle-check",
  (await step("bundle check", ["run", ...PERMS, "scripts/bundle_check.ts"])).ok,
]);

const m = test.out.match(/\|\s*(\d+) passed[^|]*\|\s*(\d+) failed/);
const passed = m ? Number(m[1]) : 0;
const failed = m ? Number(m[2]) : (test.ok ? 0 : 1);
console.log("");
for (const [name, ok] of results) console.log(`${ok ? "PASS" : "FAIL"} ${name}`);
console.log(`${passed} passed, ${failed} failed`);
const ok = results.every(([, ok]) => ok) && m !== null;
console.log(ok ? "VERIFY: PASS" : "VERIFY: FAIL");
Deno.exit(ok ? 0 : 1);
