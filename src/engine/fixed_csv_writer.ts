/** "0000".."9999" as ASCII, 4 bytes each. */
const DIGITS4 = (() => {
  const t = new Uint8Array(40_000);
  for (let i = 0; i < 10_000; i++) {
    t[i * 4] = 48 + Math.floor(i / 1000);
    t[i * 4 + 1] = 48 + Math.floor(i / 100) % 10;
    t[i * 4 + 2] = 48 + Math.floor(i / 10) % 10;
    t[i * 4 + 3] = 48 + i % 10;
  }
  return t;
})();

/**
 * Writes CSV rows of numbers straight into bytes: integers exactly, other values in fixed
 * point with trailing zeros dropped. Far faster than string building for million-row
 * files such as equity.csv, where number-to-string conversion dominates.
 */
export class FixedCsvWriter {
  #buf: Uint8Array;
  #pos = 0;
  readonly #scratch = new Uint8Array(48);

  constructor(capacity = 1 << 20) {
    this.#buf = new Uint8Array(capacity);
  }

  /** Appends ASCII text (headers, separators). */
  text(s: string): void {
    this.#ensure(s.length);
    for (let i = 0; i < s.length; i++) this.#buf[this.#pos++] = s.charCodeAt(i);
  }

  /** Appends one byte (e.g. 44 for a comma, 10 for a newline). */
  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  /**
   * Appends `x` rounded to `decimals` places (0..9); `-0` prints as `0`. Values whose
   * scaled size leaves the exact integer range fall back to `String(x)`.
   */
  fixed(x: number, decimals: number): void {
    const scale = 10 ** decimals;
    let v = Math.round(x * scale);
    if (!Number.isFinite(x) || Math.abs(v) > Number.MAX_SAFE_INTEGER) {
      this.text(String(x));
      return;
    }
    this.#ensure(40);
    const buf = this.#buf;
    const sc = this.#scratch;
    if (v < 0) {
      buf[this.#pos++] = 45;
      v = -v;
    }
    // zero-padded digits, 8 at a time (int32 halves, 4-digit table lookups), right to left
    const end = sc.length;
    let p = end;
    for (;;) {
      const hi = Math.floor(v / 1e8);
      const lo = (v - hi * 1e8) | 0;
      const a = (lo / 10_000) | 0;
      const b = (lo - a * 10_000) << 2;
      const a4 = a << 2;
      sc[p - 1] = DIGITS4[b + 3];
      sc[p - 2] = DIGITS4[b + 2];
      sc[p - 3] = DIGITS4[b + 1];
      sc[p - 4] = DIGITS4[b];
      sc[p - 5] = DIGITS4[a4 + 3];
      sc[p - 6] = DIGITS4[a4 + 2];
      sc[p - 7] = DIGITS4[a4 + 1];
      sc[p - 8] = DIGITS4[a4];
      p -= 8;
      if (hi === 0) break;
      v = hi;
    }
    const intEnd = end - decimals;
    while (p < intEnd - 1 && sc[p] === 48) p++;
    let fracEnd = end;
    while (fracEnd > intEnd && sc[fracEnd - 1] === 48) fracEnd--;
    let pos = this.#pos;
    for (let k = p; k < intEnd; k++) buf[pos++] = sc[k];
    if (fracEnd > intEnd) {
      buf[pos++] = 46;
      for (let k = intEnd; k < fracEnd; k++) buf[pos++] = sc[k];
    }
    this.#pos = pos;
  }

  /** Appends bytes as they are. */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }
}
