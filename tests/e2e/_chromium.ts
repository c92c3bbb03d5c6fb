/**
 * Finds and launches the headless Chromium of the browser tests.
 *
 * Order: `CHROMIUM_PATH`, `/usr/bin/chromium`, then `chromium`, `chromium-browser` and
 * `google-chrome` on `PATH`. When none is there, the headless Chromium that the npm package
 * `@sparticuz/chromium` ships (pinned in deno.json, locked in deno.lock) is loaded and unpacked
 * once into `$TMPDIR/laptop-agents-chromium-<version>/`, with the NSS libraries and fonts it
 * brings. `CHROMIUM_PATH=npm` forces that path. Nothing found and nothing loadable throws.
 */

/** Where the browser came from: an installed Chromium or the build shipped on npm. */
export type ChromiumKind = "system" | "npm";

/** How to start one headless Chromium that prints its DevTools URL on stderr. */
export interface ChromiumCommand {
  readonly kind: ChromiumKind;
  readonly executable: string;
  /** Flags for this kind, with a DevTools port chosen by the OS and the given profile folder. */
  readonly args: readonly string[];
  /** Variables added to the child's environment (libraries and fonts of the npm build). */
  readonly env: Readonly<Record<string, string>>;
}

/** A started Chromium; `close` kills it and removes its fresh profile folder. */
export interface RunningChromium {
  readonly kind: ChromiumKind;
  readonly executable: string;
  /** The browser's DevTools WebSocket URL. */
  readonly devtoolsUrl: string;
  close(): Promise<void>;
}

/** The import-map name of the npm build (deno.json pins the exact version). */
const NPM_PACKAGE = "@sparticuz/chromium";
const PATH_NAMES = ["chromium", "chromium-browser", "google-chrome"];
const SYSTEM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-dev-shm-usage",
];
const DEVTOOLS_TIMEOUT_MS = 10_000;

/** The part of the npm package's default export that is used here. */
interface NpmChromium {
  readonly args: string[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** An installed Chromium, or undefined. */
async function systemChromium(): Promise<string | undefined> {
  if (await isFile("/usr/bin/chromium")) return "/usr/bin/chromium";
  for (const name of PATH_NAMES) {
    const found = await onPath(name);
    if (found) return found;
  }
  return undefined;
}

/** Writes a brotli-compressed file's bytes to `dest`. */
async function unbrotli(src: string, dest: string): Promise<void> {
  const input = await Deno.open(src);
  const output = await Deno.open(dest, { write: true, createNew: true, mode: 0o755 });
  await input.readable.pipeThrough(new DecompressionStream("brotli")).pipeTo(output.writable);
}

/** Extracts a brotli-compressed tar archive into `dest` with the system `tar`. */
async function untarBrotli(src: string, dest: string): Promise<void> {
  await Deno.mkdir(dest, { recursive: true });
  const tar = new Deno.Command("tar", {
    args: ["-x", "-f", "-", "-C", dest],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const input = await Deno.open(src);
  const [fed, out] = await Promise.allSettled([
    input.readable.pipeThrough(new DecompressionStream("brotli")).pipeTo(tar.stdin),
    tar.output(),
  ]);
  if (out.status === "rejected") throw out.reason;
  if (!out.value.success) {
    throw new Error(`tar failed on ${src}: ${new TextDecoder().decode(out.value.stderr)}`);
  }
  if (fed.status === "rejected") throw fed.reason;
}

/**
 * Loads the npm package (Deno downloads it on first use) and unpacks its archives into a
 * versioned folder. The package's own `executablePath()` is not used: it unpacks to fixed
 * names in the shared tmp root and reuses `/tmp/chromium` whenever that path exists, even
 * half-written or of another version. Here a staging folder is renamed into place only when
 * complete, so an interrupted or concurrent first run cannot leave a broken browser behind.
 */
async function npmChromium(): Promise<{ executable: string; flags: string[]; dir: string }> {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(`it ships Chromium for Linux x86-64 only, not ${Deno.build.target}`);
  }
  // A non-literal specifier: `deno check` and `deno test` fetch the package only when used
  // (with deno.json's "npm-lazy-caching", other commands do not fetch it either).
  const specifier: string = NPM_PACKAGE;
  const mod = await import(specifier) as { default: NpmChromium };
  const entry = import.meta.resolve(specifier);
  if (!entry.startsWith("file:")) throw new Error(`${NPM_PACKAGE} resolved to ${entry}`);
  const pkg = new URL("../", entry); // the entry is <package>/build/index.js
  const { version } = JSON.parse(await Deno.readTextFile(new URL("package.json", pkg)));
  const bin = new URL("bin/", pkg).pathname;
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const dir = `${tmp}/laptop-agents-chromium-${version}`;
  const flags = [...mod.default.args];
  if (!(await isFile(`${dir}/chromium`))) {
    const staging = await Deno.makeTempDir({
      dir: tmp,
      prefix: `laptop-agents-chromium-${version}.`,
    });
    try {
      await unbrotli(`${bin}chromium.br`, `${staging}/chromium`);
      await untarBrotli(`${bin}swiftshader.tar.br`, staging); // GL libraries beside the binary
      await untarBrotli(`${bin}al2023.tar.br`, `${staging}/al2023`); // lib/: NSS, NSPR, expat
      await untarBrotli(`${bin}fonts.tar.br`, `${staging}/fonts`);
      // the package's fonts.conf names /tmp/fonts; this one names the fonts where they are
      await Deno.writeTextFile(
        `${staging}/fonts.conf`,
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
          `  <dir>${dir}/fonts</dir>\n  <dir>/usr/share/fonts</dir>\n` +
          `  <dir>/usr/local/share/fonts</dir>\n  <cachedir>${dir}/fonts-cache</cachedir>\n` +
          `</fontconfig>\n`,
      );
      await Deno.chmod(staging, 0o755);
      await Deno.rename(staging, dir);
    } catch (e) {
      await Deno.remove(staging, { recursive: true }).catch(() => {});
      if (!(await isFile(`${dir}/chromium`))) throw e; // else another run got there first
    }
  }
  return { executable: `${dir}/chromium`, flags, dir };
}

/**
 * The Chromium to run and its flags, using `profileDir` as the (fresh) user data folder.
 * Throws when `CHROMIUM_PATH` names a missing file, or when no system Chromium exists and
 * the npm build cannot be loaded.
 */
export async function findChromium(profileDir: string): Promise<ChromiumCommand> {
  const common = ["--remote-debugging-port=0", `--user-data-dir=${profileDir}`];
  const forced = Deno.env.get("CHROMIUM_PATH") || undefined;
  if (forced !== undefined && forced !== "npm") {
    if (!(await isFile(forced))) {
      throw new Error(
        `Chromium not found at CHROMIUM_PATH=${forced}: fix it, unset it to search, ` +
          "or set SKIP_BROWSER_TESTS=1 to skip browser tests",
      );
    }
    return { kind: "system", executable: forced, args: [...SYSTEM_FLAGS, ...common], env: {} };
  }
  const system = forced === "npm" ? undefined : await systemChromium();
  if (system) {
    return { kind: "system", executable: system, args: [...SYSTEM_FLAGS, ...common], env: {} };
  }
  let npm: Awaited<ReturnType<typeof npmChromium>>;
  try {
    npm = await npmChromium();
  } catch (e) {
    const searched = forced === "npm"
      ? "CHROMIUM_PATH=npm"
      : `no Chromium at /usr/bin/chromium nor ${PATH_NAMES.join(", ")} on PATH`;
    throw new Error(
      `Cannot run the browser test: ${searched}, and ${NPM_PACKAGE} from npm failed: ` +
        `${e instanceof Error ? e.message : e}. Install chromium (apt-get install chromium), ` +
        "set CHROMIUM_PATH, or set SKIP_BROWSER_TESTS=1 to skip browser tests",
      { cause: e },
    );
  }
  const ld = Deno.env.get("LD_LIBRARY_PATH");
  return {
    kind: "npm",
    executable: npm.executable,
    args: [...npm.flags, ...common],
    env: {
      LD_LIBRARY_PATH: `${npm.dir}/al2023/lib${ld ? `:${ld}` : ""}`,
      FONTCONFIG_FILE: `${npm.dir}/fonts.conf`,
    },
  };
}

/** Reads stderr until the DevTools line (or exit, or timeout); keeps draining the rest. */
async function devtoolsUrl(
  stderr: ReadableStream<Uint8Array>,
): Promise<{ url: string; drained: Promise<void> }> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), DEVTOOLS_TIMEOUT_MS);
  let text = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        const drained = (async () => {
          while (!(await reader.read()).done) { /* discard */ }
        })();
        return { url: m[1], drained };
      }
    }
  } finally {
    clearTimeout(timer);
  }
  await reader.cancel().catch(() => {});
  throw new Error(`chromium did not print its DevTools URL; stderr:\n${text.slice(-2000)}`);
}

/**
 * Starts headless Chromium (see `findChromium`) with a fresh profile and `extraArgs`
 * appended, and waits for its DevTools URL.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<RunningChromium> {
  const profile = await Deno.makeTempDir({ prefix: "la-chromium-profile-" });
  const removeProfile = () => Deno.remove(profile, { recursive: true }).catch(() => {});
  let cmd: ChromiumCommand;
  let child: Deno.ChildProcess;
  try {
    cmd = await findChromium(profile);
    child = new Deno.Command(cmd.executable, {
      args: [...cmd.args, ...extraArgs],
      env: { ...cmd.env },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    await removeProfile();
    throw e;
  }
  const stop = async (drained: Promise<void>) => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await drained.catch(() => {});
    await removeProfile();
  };
  let dt: { url: string; drained: Promise<void> };
  try {
    dt = await devtoolsUrl(child.stderr);
  } catch (e) {
    await stop(Promise.resolve());
    throw new Error(`${cmd.kind} Chromium ${cmd.executable}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return {
    kind: cmd.kind,
    executable: cmd.executable,
    devtoolsUrl: dt.url,
    close: () => stop(dt.drained),
  };
}
