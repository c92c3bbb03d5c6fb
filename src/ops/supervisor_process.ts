/** How a supervised child ended. */
export interface ChildExit {
  /** Exit code (128 + signal number when killed by a signal on Unix). */
  readonly code: number;
  /** Signal that ended it, if any. */
  readonly signal: string | null;
}

/** A running child process as the supervisor sees it. */
export interface ChildHandle {
  readonly pid: number;
  /** Resolves once when the child has exited. */
  readonly status: Promise<ChildExit>;
  /** Sends a signal; errors (already exited) are ignored. */
  kill(signal: Deno.Signal): void;
}

/** Starts a child from a full argv (`argv[0]` is the executable). */
export type SpawnFn = (argv: readonly string[]) => ChildHandle;

/** Options of {@link createSpawn}. */
export interface SpawnOptions {
  /** Child stdio: `inherit` (default, the watchdog's terminal) or `null`. */
  readonly stdio?: "inherit" | "null";
  /** Working directory (default: ours). */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
}

/** Real spawn function backed by `Deno.Command`. */
export function createSpawn(options: SpawnOptions = {}): SpawnFn {
  const stdio = options.stdio ?? "inherit";
  return (argv) => {
    if (argv.length === 0) throw new Error("empty command");
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: stdio,
      stdout: stdio,
      stderr: stdio,
      cwd: options.cwd,
      env: options.env,
    }).spawn();
    return {
      pid: child.pid,
      status: child.status.then((s) => ({ code: s.code, signal: s.signal ?? null })),
      kill(signal) {
        try {
          child.kill(signal);
        } catch {
          // already exited
        }
      },
    };
  };
}
