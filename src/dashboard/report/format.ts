/** Number and time formatting for `summary.html` (locale-independent). */

/** Groups thousands: 1234567.891 -> "1,234,567.89" (with `decimals` digits). */
export function fmtNumber(value: number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole, frac] = fixed.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sign = value < 0 && Number(fixed) !== 0 ? "-" : "";
  return sign + grouped + (frac ? "." + frac : "");
}

/** USD amount: "-1,234.56 USD". */
export function fmtUsd(value: number): string {
  return `${fmtNumber(value, 2)} USD`;
}

/** Percentage of a value already in percent: 12.345 -> "12.35%". */
export function fmtPct(value: number, decimals = 2): string {
  return `${fmtNumber(value, decimals)}%`;
}

/** Signed amount for differences: "+12.30". */
export function fmtSigned(value: number, decimals = 2): string {
  const s = fmtNumber(value, decimals);
  return value > 0 && s !== fmtNumber(0, decimals) ? `+${s}` : s;
}

/** Unix ms as "2024-01-01 00:05" (UTC). */
export function fmtTime(ts: number): string {
  if (!Number.isFinite(ts)) return "n/a";
  return new Date(ts).toISOString().slice(0, 16).replace("T", " ");
}

/** A price with as many decimals as it needs, at most 8 (no grouping). */
export function fmtPrice(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return String(Number(value.toFixed(8)));
}
