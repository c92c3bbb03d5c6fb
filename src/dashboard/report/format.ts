/** Number and time formatting for `summary.html` (locale-independent). */

/** Groups thousands: 1234567.891 -> "1,234,567.89" (with `decimals` digits). */
export function fmtNumber(value: number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const fixed = Math.abs(value).toFixed(decimals);
  // a trade table formats tens of thousands of cells: slices, not a regex
  const dot = fixed.indexOf(".");
  const whole = dot < 0 ? fixed : fixed.slice(0, dot);
  let grouped = whole;
  if (whole.length > 3 && !whole.includes("e")) {
    const head = whole.length % 3 || 3;
    grouped = whole.slice(0, head);
    for (let i = head; i < whole.length; i += 3) grouped += "," + whole.slice(i, i + 3);
  }
  const sign = value < 0 && Number(fixed) !== 0 ? "-" : "";
  return sign + grouped + (dot < 0 ? "" : fixed.slice(dot));
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

/** Decimals that show prices around `typical` to about six significant digits. */
export function priceDecimals(typical: number): number {
  if (!(typical > 0) || !Number.isFinite(typical)) return 2;
  const digits = Math.floor(Math.log10(typical)) + 1;
  return Math.max(0, Math.min(8, 6 - digits));
}

/** A span of minutes as "45 min", "5 h 20 min", "3 d 4 h". */
export function fmtMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return "n/a";
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Days as "12.5 days" (one decimal below 100 days, whole days above). */
export function fmtDays(days: number): string {
  if (!Number.isFinite(days)) return "n/a";
  return `${fmtNumber(days, days < 100 ? 1 : 0)} days`;
}
