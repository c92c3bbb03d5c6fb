/** Folder part of a path (`.` for a bare file name). */
export function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? (i === 0 ? path.slice(0, 1) : ".") : path.slice(0, i);
}

/**
 * Writes `data` to `path` atomically: a temp file beside it, then a rename over it, so a
 * reader (or a crash) never sees half a file. Creates the folder if needed.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  Deno.mkdirSync(parentDir(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.writeFileSync(tmp, data);
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

/** `writeFileAtomicSync` for text (UTF-8). */
export function writeTextFileAtomicSync(path: string, text: string): void {
  writeFileAtomicSync(path, new TextEncoder().encode(text));
}
