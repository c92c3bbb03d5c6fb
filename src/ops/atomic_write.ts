/** Folder part of a path (`.` for a bare file name). */
export function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? (i === 0 ? path.slice(0, 1) : ".") : path.slice(0, i);
}

/**
 * Writes `text` to `path` atomically: a temp file beside it, then a rename over it, so a
 * reader (or a crash) never sees half a file. Creates the folder if needed.
 */
export function writeTextFileAtomicSync(path: string, text: string): void {
  Deno.mkdirSync(parentDir(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.writeTextFileSync(tmp, text);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw e;
  }
}
