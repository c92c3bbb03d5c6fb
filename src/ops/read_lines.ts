/** One line of a file and where it ends. */
export interface FileLine {
  /** The line's text, without its newline. */
  readonly text: string;
  /** 1-based line number. */
  readonly lineNo: number;
  /** Byte offset just after the line (after its newline, when it has one). */
  readonly end: number;
  /** False for a last line without a newline (perhaps cut short by a crash). */
  readonly complete: boolean;
}

/**
 * Reads a text file line by line in constant memory (64 KiB pieces), with each line's
 * end offset in bytes, so a caller can cut the file after the last good line.
 */
export async function* readLines(path: string): AsyncGenerator<FileLine> {
  using file = await Deno.open(path, { read: true });
  const dec = new TextDecoder();
  const buf = new Uint8Array(64 << 10);
  let carry = new Uint8Array(0);
  let offset = 0; // bytes before `carry`
  let lineNo = 0;
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    let chunk = buf.subarray(0, n);
    if (carry.length > 0) {
      const joined = new Uint8Array(carry.length + n);
      joined.set(carry);
      joined.set(chunk, carry.length);
      chunk = joined;
    }
    let at = 0;
    for (let nl = chunk.indexOf(10, at); nl !== -1; nl = chunk.indexOf(10, at)) {
      const end = nl > at && chunk[nl - 1] === 13 ? nl - 1 : nl;
      offset += nl + 1 - at;
      yield {
        text: dec.decode(chunk.subarray(at, end)),
        lineNo: ++lineNo,
        end: offset,
        complete: true,
      };
      at = nl + 1;
    }
    carry = chunk.slice(at);
  }
  if (carry.length > 0) {
    yield {
      text: dec.decode(carry),
      lineNo: ++lineNo,
      end: offset + carry.length,
      complete: false,
    };
  }
}
