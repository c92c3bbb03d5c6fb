import { DIGITS2 } from "./write_fixed.ts";

const DAY_MS = 86_400_000;

/**
 * Returns a writer of `new Date(ms).toISOString()` as ASCII into `buf` at `pos` (24 bytes
 * in 1970..9999; the caller leaves 32 of room), returning the position after it. It
 * builds the date part once per UTC day: journals of big backtests write one time per
 * fill, and `toISOString` per line dominated writing them.
 */
export function isoByteWriter(): (buf: Uint8Array, pos: number, ms: number) => number {
  let dayStart = Number.NaN;
  const prefix = new Uint8Array(11);
  return (buf: Uint8Array, pos: number, ms: number): number => {
    if (!Number.isInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) {
      const s = new Date(ms).toISOString();
      for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      return pos;
    }
    if (!(ms >= dayStart && ms < dayStart + DAY_MS)) {
      dayStart = ms - (ms % DAY_MS);
      const day = new Date(dayStart).toISOString();
      for (let i = 0; i < 11; i++) prefix[i] = day.charCodeAt(i);
    }
    for (let i = 0; i < 11; i++) buf[pos + i] = prefix[i];
    let r = ms - dayStart;
    const h = Math.floor(r / 3_600_000);
    r -= h * 3_600_000;
    const m = Math.floor(r / 60_000);
    r -= m * 60_000;
    const s = Math.floor(r / 1000);
    const milli = r - s * 1000;
    buf[pos + 11] = DIGITS2[h * 2];
    buf[pos + 12] = DIGITS2[h * 2 + 1];
    buf[pos + 13] = 58;
    buf[pos + 14] = DIGITS2[m * 2];
    buf[pos + 15] = DIGITS2[m * 2 + 1];
    buf[pos + 16] = 58;
    buf[pos + 17] = DIGITS2[s * 2];
    buf[pos + 18] = DIGITS2[s * 2 + 1];
    buf[pos + 19] = 46;
    buf[pos + 20] = 48 + Math.floor(milli / 100);
    buf[pos + 21] = 48 + Math.floor(milli / 10) % 10;
    buf[pos + 22] = 48 + milli % 10;
    buf[pos + 23] = 90;
    return pos + 24;
  };
}
