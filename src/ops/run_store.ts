import { writeFileInPieces } from "./write_bytes.ts";

/** Content of one run file. */
export type RunFileContent = string | Uint8Array;

/**
 * A file already in the run's temporary folder ({@link runTmpDir}), written there while
 * the others were built (a backtest's two threads write equity.csv as they build it).
 */
export const ALREADY_WRITTEN = Object.freeze({ alreadyWritten: true } as const);

type Entry = RunFileContent | typeof ALREADY_WRITTEN;

function isAlreadyWritten(e: Entry): e is typeof ALREADY_WRITTEN {
  return e === ALREADY_WRITTEN;
}

/** Files of one run: name -> content, or a function that builds it when its turn comes. */
export type RunFiles = Record<string, Entry | (() => Entry | Promise<Entry>)>;

/** The hidden folder a run's files are written to before it becomes `runs/<runId>`. */
export function runTmpDir(runsDir: string, runId: string): string {
  return `${runsDir}/.tmp-${runId}`;
}

/**
 * A run id: UTC time plus a label and a short random suffix, e.g.
 * `20261124-091500-backtest-3f9a`. Sorts by time.
 */
export function newRunId(nowMs: number, label: string): string {
  const iso = new Date(nowMs).toISOString();
  const stamp = iso.slice(0, 10).replaceAll("-", "") + "-" + iso.slice(11, 19).replaceAll(":", "");
  const suffix = crypto.getRandomValues(new Uint8Array(2));
  const hex = Array.from(suffix, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${stamp}-${label}-${hex}`;
}

/**
 * Writes a run folder all at once: files go to a hidden temporary folder that is renamed
 * to `runs/<runId>` only when every file is written, so a failure never leaves a half
 * run behind. Then points `runs/latest` at it (a symlink, or a copy where links fail).
 * @returns the run folder path
 */
export async function writeRun(runsDir: string, runId: string, files: RunFiles): Promise<string> {
  await Deno.mkdir(runsDir, { recursive: true });
  const tmp = runTmpDir(runsDir, runId);
  const final = `${runsDir}/${runId}`;
  await Deno.mkdir(tmp, { recursive: true });
  const built: Record<string, RunFileContent> = {};
  const written: string[] = [];
  try {
    // each file is built while the previous ones are still being written
    const writes: Promise<void>[] = [];
    for (const [name, make] of Object.entries(files)) {
      const content = typeof make === "function" ? await make() : make;
      if (isAlreadyWritten(content)) {
        written.push(name);
        continue;
      }
      built[name] = content;
      writes.push(writeFileInPieces(`${tmp}/${name}`, content));
    }
    await Promise.all(writes);
    await Deno.rename(tmp, final);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  await pointLatest(runsDir, runId, built, written);
  return final;
}

/** Replaces `runs/latest` with a link to the run (or a copy of its files). */
export async function pointLatest(
  runsDir: string,
  runId: string,
  files: Record<string, RunFileContent>,
  inRunDir: readonly string[] = [],
): Promise<void> {
  const latest = `${runsDir}/latest`;
  const tmpLink = `${runsDir}/.latest-${runId}`;
  try {
    await Deno.symlink(runId, tmpLink);
    await Deno.rename(tmpLink, latest).catch(async () => {
      // rename over a real folder (a previous copy) fails: remove it, then retry
      await Deno.remove(latest, { recursive: true });
      await Deno.rename(tmpLink, latest);
    });
  } catch {
    await Deno.remove(tmpLink).catch(() => {});
    await Deno.remove(latest, { recursive: true }).catch(() => {});
    await Deno.mkdir(latest, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFileInPieces(`${latest}/${name}`, content);
    }
    for (const name of inRunDir) {
      await Deno.copyFile(`${runsDir}/${runId}/${name}`, `${latest}/${name}`);
    }
  }
}
