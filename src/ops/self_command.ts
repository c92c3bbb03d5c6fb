/** Facts about the running program that decide how to re-launch it. */
export interface SelfFacts {
  /** `Deno.build.standalone`: true inside a `deno compile` executable. */
  readonly standalone: boolean;
  /** `Deno.execPath()`: the compiled executable, or the `deno` binary. */
  readonly execPath: string;
  /** `Deno.mainModule`: URL of the entry module. */
  readonly mainModule: string;
  /** `deno.json` to pass with `--config`, when one is known. */
  readonly configPath?: string;
  /** Permission flags this process holds, e.g. `["--allow-read", "--allow-net"]`. */
  readonly permissionFlags: readonly string[];
  /** `Deno.build.os` (for file-URL to path conversion). */
  readonly os: typeof Deno.build.os;
}

const PERMISSIONS = ["read", "write", "env", "net", "run", "sys", "ffi", "import"] as const;

/** Converts a `file:` URL to a local path; other URLs are returned unchanged. */
export function fileUrlToPath(url: string, os: typeof Deno.build.os = Deno.build.os): string {
  if (!url.startsWith("file:")) return url;
  const u = new URL(url);
  let path = decodeURIComponent(u.pathname);
  if (os === "windows") {
    if (/^\/[A-Za-z]:/.test(path)) path = path.slice(1);
    path = path.replaceAll("/", "\\");
    if (u.hostname) path = `\\\\${u.hostname}${path}`;
  }
  return path;
}

/**
 * Permission flags that are granted without scope in this process (`--allow-X`).
 * Scoped grants (`--allow-read=/x`) cannot be read back from Deno and are not repeated.
 */
export function grantedPermissionFlags(): string[] {
  const flags: string[] = [];
  for (const name of PERMISSIONS) {
    try {
      if (Deno.permissions.querySync({ name }).state === "granted") flags.push(`--allow-${name}`);
    } catch {
      // permission kind unknown to this runtime
    }
  }
  return flags;
}

/** Looks for `deno.json` / `deno.jsonc` in the main module's folder and its parents. */
export function findConfigFile(mainModule: string, os: typeof Deno.build.os): string | undefined {
  if (!mainModule.startsWith("file:")) return undefined;
  const sep = os === "windows" ? "\\" : "/";
  let dir = fileUrlToPath(mainModule, os);
  for (let i = 0; i < 64; i++) {
    const cut = dir.lastIndexOf(sep);
    if (cut < 0) return undefined;
    const parent = dir.slice(0, cut);
    for (const name of ["deno.json", "deno.jsonc"]) {
      const candidate = `${parent || sep}${parent ? sep : ""}${name}`;
      try {
        if (Deno.statSync(candidate).isFile) return candidate;
      } catch {
        // not here
      }
    }
    if (!parent) return undefined;
    dir = parent;
  }
  return undefined;
}

/** Gathers {@link SelfFacts} from the running process. */
export function currentSelfFacts(): SelfFacts {
  const standalone = Deno.build.standalone === true;
  const os = Deno.build.os;
  return {
    standalone,
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    configPath: standalone ? undefined : findConfigFile(Deno.mainModule, os),
    permissionFlags: standalone ? [] : grantedPermissionFlags(),
    os,
  };
}

/**
 * The argv prefix that starts this same program again; append the command's own args.
 * Compiled: `[execPath]`. Under `deno run`:
 * `[deno, "run", ...permission flags, "--config", deno.json, main module path]`
 * (`--config` only when a config file is known).
 */
export function selfCommand(facts: SelfFacts = currentSelfFacts()): string[] {
  if (facts.standalone) return [facts.execPath];
  return [
    facts.execPath,
    "run",
    ...facts.permissionFlags,
    ...(facts.configPath ? ["--config", facts.configPath] : []),
    fileUrlToPath(facts.mainModule, facts.os),
  ];
}
