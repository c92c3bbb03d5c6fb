/**
 * The sweep's `summary.html`: a heatmap of the objective over two swept parameters, the
 * top combinations, and the best one's equity on both intrabar bounds. Self-contained
 * and offline (Chart.js inlined, no network), and deterministic: the same model gives
 * the same bytes.
 */
import { escapeHtml, inlineScriptSource, jsonForScript } from "./html_escape.ts";
import { fmtNumber } from "./format.ts";
import { PAGE_STYLE } from "./page_style.ts";

/** What the sweep page shows (built by the optimize command from results.csv). */
export interface SweepPageModel {
  readonly title: string;
  /** Label and value rows of the facts table. */
  readonly facts: readonly (readonly [string, string])[];
  /** The objective's name and the bound it is read on, for labels. */
  readonly objective: string;
  readonly bound: string;
  readonly heatmap: {
    readonly x: { readonly name: string; readonly labels: readonly string[] };
    readonly y: { readonly name: string; readonly labels: readonly string[] } | null;
    /** `cells[row][column]`; null: no eligible combination there. */
    readonly cells: readonly (readonly (number | null)[])[];
  };
  /** The top table: header and rows of text (numbers already formatted). */
  readonly top: { readonly columns: readonly string[]; readonly rows: readonly string[][] };
  /** The best combination's equity, downsampled; null when none is eligible. */
  readonly best: {
    readonly label: string;
    readonly x: readonly number[];
    readonly conservative: readonly number[];
    readonly optimistic: readonly number[];
  } | null;
  readonly notes: readonly string[];
}

const EXTRA_STYLE = `
.heatmap td.cell { color: #0f172a; }
.heatmap th.corner { background: none; }
.wide { overflow-x: auto; }
`;

/** Background of a cell: red below zero, green above (white at zero), by magnitude. */
function cellColor(v: number, lo: number, hi: number): string {
  const span = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(span > 0)) return "rgb(255,255,255)";
  let t = v / span;
  if (lo >= 0) t = hi > lo ? (v - lo) / (hi - lo) : 1; // all >= 0: white..green
  const a = Math.min(1, Math.abs(t));
  const [r, g, b] = t >= 0 ? [34, 197, 94] : [239, 68, 68];
  const mix = (c: number) => Math.round(255 + (c - 255) * a * 0.85);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

function heatmapTable(m: SweepPageModel): string {
  const h = m.heatmap;
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of h.cells) {
    for (const v of row) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const head = `<tr><th class="corner">${
    escapeHtml(h.y === null ? "" : `${h.y.name} \\ ${h.x.name}`)
  }</th>${h.x.labels.map((l) => `<th>${escapeHtml(l)}</th>`).join("")}</tr>`;
  const rows = h.cells.map((row, r) => {
    const label = h.y === null ? h.x.name : h.y.labels[r];
    const cells = row.map((v) =>
      v === null
        ? `<td class="empty"></td>`
        : `<td class="cell" style="background:${cellColor(v, lo, hi)}">${
          fmtNumber(v, Math.abs(v) >= 100 ? 0 : 2)
        }</td>`
    ).join("");
    return `<tr><th>${escapeHtml(label)}</th>${cells}</tr>`;
  }).join("\n");
  return `<div class="wide"><table class="heatmap" id="heatmap"><thead>${head}</thead><tbody>
${rows}
</tbody></table></div>`;
}

function topTable(m: SweepPageModel): string {
  if (m.top.rows.length === 0) return `<p class="note">No eligible combination.</p>`;
  const head = m.top.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = m.top.rows.map((r) =>
    `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`
  )
    .join("\n");
  return `<div class="table-wrap wide"><table class="small" id="top-table"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

const CHART_SCRIPT = `
(function () {
  var el = document.getElementById("sweep-data");
  var data = JSON.parse(el.textContent);
  if (!data.best || typeof Chart === "undefined") return;
  var b = data.best;
  var pts = function (ys) { return ys.map(function (y, i) { return { x: b.x[i], y: y }; }); };
  var day = function (v) { return new Date(v).toISOString().slice(0, 10); };
  new Chart(document.getElementById("best-equity"), {
    type: "line",
    data: { datasets: [
      { label: "conservative", data: pts(b.conservative), borderColor: "#2563eb", borderWidth: 1.5, pointRadius: 0 },
      { label: "optimistic", data: pts(b.optimistic), borderColor: "#f59e0b", borderWidth: 1, pointRadius: 0 }
    ] },
    options: {
      animation: false, parsing: false, maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: { x: { type: "linear", ticks: { callback: day, maxTicksLimit: 8 } } },
      plugins: { tooltip: { callbacks: { title: function (items) {
        return items.length ? new Date(items[0].parsed.x).toISOString().slice(0, 16).replace("T", " ") : "";
      } } } }
    }
  });
})();
`;

/**
 * Renders the sweep page. `chartJsSource` is the Chart.js UMD build as text, inlined as
 * in `summary.html`. Every string of the model is HTML-escaped.
 */
export function renderSweepHtml(m: SweepPageModel, chartJsSource: string): string {
  const facts = m.facts.map(([k, v]) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`
  )
    .join("\n");
  const notes = m.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n");
  const h = m.heatmap;
  const heatTitle = h.y === null
    ? `${m.objective} (${m.bound}) by ${h.x.name}`
    : `${m.objective} (${m.bound}) by ${h.y.name} and ${h.x.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(m.title)}</title>
<style>${PAGE_STYLE}${EXTRA_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(m.title)}</h1>
<table class="facts">${facts}</table>
${notes}
<h2>${escapeHtml(heatTitle)}</h2>
<p class="note">Each cell: the best ${
    escapeHtml(m.objective)
  } among the eligible combinations in it (empty: none).</p>
${heatmapTable(m)}
<h2>Top combinations</h2>
${topTable(m)}
<h2>Best combination's equity</h2>
${
    m.best === null
      ? `<p class="note">No eligible combination.</p>`
      : `<p class="note">${
        escapeHtml(m.best.label)
      }</p><div class="panel"><div class="chart"><canvas id="best-equity" aria-label="equity of the best combination"></canvas></div></div>`
  }
<footer>results.csv has every combination; best.json the winner's full figures.</footer>
</main>
<script type="application/json" id="sweep-data">${jsonForScript({ best: m.best })}</script>
<script>${inlineScriptSource(chartJsSource)}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
