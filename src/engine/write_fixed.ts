/**
 * Numbers in fixed point written straight into bytes, for million-row CSV files such as
 * equity.csv where number-to-string conversion would dominate.
 */
/** "00".."99" as ASCII, 2 bytes each. */
export const DIGITS2 = (() => {
  const t = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    t[i * 2] = 48 + Math.floor(i / 10);
    t[i * 2 + 1] = 48 + i % 10;
  }
  return t;
})();

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Room one `writeFixed` call may need: sign, 16 integer digits, point, 9 decimals, or a String() fallback. */
export const MAX_FIXED_BYTES = 32;

/** Digits of an int32 `0 <= u < 1e8`, unpadded; returns the position after them. */
function writeSmall(buf: Uint8Array, pos: number, u: number): number {
  let len = 1;
  while (len < 8 && u >= POW10[len]) len++;
  let p = pos + len;
  while (u >= 100) {
    const q = (u / 100) | 0;
    const r = (u - q * 100) << 1;
    buf[--p] = DIGITS2[r + 1];
    buf[--p] = DIGITS2[r];
    u = q;
  }
  if (u >= 10) {
    buf[--p] = DIGITS2[(u << 1) + 1];
    buf[--p] = DIGITS2[u << 1];
  } else buf[--p] = 48 + u;
  return pos + len;
}

/** `width` (<= 8) zero-padded digits of an int32 `0 <= u < 10^width`. */
export function writePadded(buf: Uint8Array, pos: number, u: number, width: number): number {
  let p = pos + width;
  let k = width;
  while (k >= 2) {
    const q = (u / 100) | 0;
    const r = (u - q * 100) << 1;
    buf[--p] = DIGITS2[r + 1];
    buf[--p] = DIGITS2[r];
    u = q;
    k -= 2;
  }
  if (k === 1) buf[--p] = 48 + u;
  return pos + width;
}

/** Digits of a non-negative safe integer, in int32 pieces of at most 8 digits. */
function writeUint(buf: Uint8Array, pos: number, u: number): number {
  if (u < 1e8) return writeSmall(buf, pos, u);
  if (u < 1e16) {
    const hi = Math.floor(u / 1e8);
    pos = writeSmall(buf, pos, hi);
    return writePadded(buf, pos, u - hi * 1e8, 8);
  }
  const top = Math.floor(u / 1e16);
  const rest = u - top * 1e16;
  const mid = Math.floor(rest / 1e8);
  pos = writeSmall(buf, pos, top);
  pos = writePadded(buf, pos, mid, 8);
  return writePadded(buf, pos, rest - mid * 1e8, 8);
}

/**
 * Writes `x` rounded to `decimals` places (0..9) as ASCII into `buf` at `pos`, trailing
 * zeros of the fraction dropped and `-0` as `0`; values whose scaled size leaves the
 * exact integer range fall back to `String(x)`. The caller guarantees `MAX_FIXED_BYTES`
 * of room. Returns the position after the number.
 */
export function writeFixed(buf: Uint8Array, pos: number, x: number, decimals: number): number {
  const scale = POW10[decimals];
  let v = Math.round(x * scale);
  if (!Number.isFinite(x) || Math.abs(v) > Number.MAX_SAFE_INTEGER) {
    const s = String(x);
    for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    return pos;
  }
  if (v < 0) {
    buf[pos++] = 45;
    v = -v;
  }
  if (decimals === 0) return writeUint(buf, pos, v);
  const int = Math.floor(v / scale);
  let frac = (v - int * scale) | 0;
  pos = writeUint(buf, pos, int);
  if (frac === 0) return pos;
  let width = decimals;
  while (frac - ((frac / 10) | 0) * 10 === 0) {
    frac = (frac / 10) | 0;
    width--;
  }
  buf[pos++] = 46;
  return writePadded(buf, pos, frac, width);
}
