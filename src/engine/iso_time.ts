const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * Returns a formatter equal to `new Date(ms).toISOString()` for whole milliseconds, that
 * builds the date part once per UTC day: journals of big backtests format one time per
 * fill, and `toISOString` per line dominated writing them.
 */
export function isoFormatter(): (ms: number) => string {
  let dayStart = Number.NaN;
  let prefix = "";
  return (ms: number): string => {
    if (!Number.isInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) {
      return new Date(ms).toISOString(); // outside 1970..9999: the plain way
    }
    if (!(ms >= dayStart && ms < dayStart + DAY_MS)) {
      dayStart = ms - (ms % DAY_MS);
      prefix = new Date(dayStart).toISOString().slice(0, 11);
    }
    let r = ms - dayStart;
    const h = Math.floor(r / 3_600_000);
    r -= h * 3_600_000;
    const m = Math.floor(r / 60_000);
    r -= m * 60_000;
    const s = Math.floor(r / 1000);
    return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[r - s * 1000]}Z`;
  };
}
