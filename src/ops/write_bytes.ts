/**
 * Writes a file in pieces of at most 1 MiB. One write call of a big buffer is several
 * times slower than the same bytes written in pieces (measured here: 35 MB in 70-100 ms
 * as one write, 8-12 ms in 1 MiB pieces), and a backtest writes 40 MB of artifacts.
 *
 * @module
 */

/** The largest piece one write call is given. */
const PIECE = 1 << 20;

/** Writes all of `bytes` to the open `file`, in pieces of at most 1 MiB. */
export async function writeAllBytes(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await file.write(bytes.subarray(at, Math.min(bytes.length, at + PIECE)));
  }
}

/** Writes all of `bytes` to the open `file` now, in pieces of at most 1 MiB. */
export function writeAllBytesSync(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) {
    at += file.writeSync(bytes.subarray(at, Math.min(bytes.length, at + PIECE)));
  }
}

/** Creates (or truncates) `path` and writes `content` to it, in pieces of at most 1 MiB. */
export async function writeFileInPieces(
  path: string,
  content: string | Uint8Array,
): Promise<void> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  await writeAllBytes(file, bytes);
}
