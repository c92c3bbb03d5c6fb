/**
 * The page of a walk-forward run (`summary.html` of its run folder): the verdict and its
 * warnings first, the out-of-sample figures, the stitched out-of-sample equity (both
 * bounds, fold boundaries marked), the fold table and the parameter stability. Opens
 * offline: Chart.js and the data are inside the file.
 */
import type { WalkForwardJson } from "../../research/walk_forward_report.ts";
import type { StitchedOos } from "../../research/walk_forward_stitch.ts";
import { edgeLabel } from "../../research/walk_forward_analysis.ts";
import type { Objective } from "../../research/objective.ts";
import { downsampleMinMax } from "./downsample.ts";
import { escapeHtml, inlineScriptSource, jsonForScript } from "./html_escape.ts";
import { fmtNumber, fmtPct, fmtSigned, fmtTime } from "./format.ts";
import { PAGE_STYLE } from "./page_style.ts";

/** Most points per equity line of the chart. */
export const MAX_WF_CHART_POINTS = 4000;

const EXTRA_STYLE = `
.verdict { border-radius: 8px; padding: 10px 14px; margin: 0 0 14px; border: 1px solid; }
.verdict.ok { background: #f0fdf4; border-color: #86efac; }
.verdict.bad { background: #fef2f2; border-color: #fca5a5; }
.verdict.unsure { background: #fffbeb; border-color: #fcd34d; }
.verdict h2 { margin: 0 0 4px; font-size: 16px; }
.verdict ul { margin: 4px 0 0; padding-left: 20px; }
tr.left-out td { color: var(--muted); }
.cards { grid-template-columns: repeat(auto-fill, minmax(175px, 1fr)); }
`;

/** The chart's data (the JSON block of the page). */
interface ChartData {
  readonly primary: string;
  readonly other: string;
  readonly main: { x: number[]; y: number[] };
  readonly alt: { x: number[]; y: number[] };
  readonly foldStarts: readonly { fold: number; ts: number }[];
}

const SCRIPT = `
(function () {
  const data = JSON.parse(document.getElementById("wf-data").textContent);
  const el = document.getElementById("oos-chart");
  if (typeof Chart === "undefined" || !el) return;
  const pts = (s) => s.x.map((x, i) => ({ x, y: s.y[i] }));
  const day = (v) => new Date(v).toISOString().slice(0, 10);
  const folds = {
    id: "folds",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.strokeStyle = "rgba(100,116,139,0.35)";
      ctx.fillStyle = "#64748b";
      ctx.font = "11px system-ui, sans-serif";
      ctx.setLineDash([3, 3]);
      for (const f of data.foldStarts) {
        const x = scales.x.getPixelForValue(f.ts);
        if (x < chartArea.left || x > chartArea.right) continue;
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillText(String(f.fold), x + 2, chartArea.top + 10);
      }
      ctx.restore();
    },
  };
  new Chart(el, {
    type: "line",
    data: {
      datasets: [
        { label: "out of sample, " + data.primary, data: pts(data.main), borderColor: "#2563eb",
          backgroundColor: "#2563eb", borderWidth: 1.5, pointRadius: 0 },
        { label: data.other, data: pts(data.alt), borderColor: "#94a3b8",
          backgroundColor: "#94a3b8", borderWidth: 1,
          pointRadius: 0, borderDash: [4, 3] },
      ],
    },
    options: {
      animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: { type: "linear", ticks: { callback: day, maxRotation: 0, autoSkipPadding: 20 } },
        y: { title: { display: true, text: "Equity (USDT)" } },
      },
      plugins: { tooltip: { callbacks: { title: (items) => items.length ?
        new Date(items[0].parsed.x).toISOString().slice(0, 16).replace("T", " ") : "" } } },
    },
    plugins: [folds],
  });
})();
`;

function cls(x: number | null): string {
  return x === null ? "" : x > 0 ? "pos" : x < 0 ? "neg" : "";
}

function verdictClass(v: WalkForwardJson["verdict"]): string {
  return v === "ok" ? "ok" : v === "overfit" ? "bad" : "unsure";
}

function card(k: string, v: string, c = "", s = ""): string {
  return `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v ${c}">${
    escapeHtml(v)
  }</div>${s ? `<div class="s">${escapeHtml(s)}</div>` : ""}</div>`;
}

/**
 * Renders the walk-forward page from the report and the stitched curves (primary bound
 * `main`, the other `other`). `chartJsSource` is the Chart.js UMD bundle, inlined.
 */
export function renderWalkForwardHtml(
  report: WalkForwardJson,
  main: StitchedOos,
  other: StitchedOos,
  chartJsSource: string,
): string {
  const plan = report.plan;
  const primary = plan.primary_bound as string;
  const otherBound = primary === "conservative" ? "optimistic" : "conservative";
  const obj = plan.objective as Objective;
  const s = report.out_of_sample.stats[primary];
  const o = report.out_of_sample.stats[otherBound];
  const eff = report.efficiency.value as number | null;
  const config = report.config;
  const title = `Walk-forward: ${String(config.strategy)} on ${String(config.symbol)} ${
    String(config.interval)
  }`;
  const warnings = report.warnings.slice(report.verdict === "ok" ? 0 : 1);
  const paramNames = [...new Set(report.folds.flatMap((f) => Object.keys(f.params ?? {})))];
  const foldRows = report.folds.map((f) => {
    const is = f.in_sample;
    const oos = f.out_of_sample;
    const os = oos?.stats[primary];
    const alt = oos?.stats[otherBound];
    const cells = [
      `<td>${f.fold}</td>`,
      `<td class="text">${escapeHtml(fmtTime(Date.parse(f.train.from)))} .. ${
        escapeHtml(fmtTime(Date.parse(f.train.to)))
      }</td>`,
      `<td class="text">${escapeHtml(fmtTime(Date.parse(f.test.from)))} .. ${
        escapeHtml(fmtTime(Date.parse(f.test.to)))
      }</td>`,
      ...paramNames.map((p) => `<td>${f.params?.[p] ?? "-"}</td>`),
      `<td>${is ? fmtNumber(is.objective) : "-"}</td>`,
      `<td class="${oos ? cls(oos.objective) : ""}">${oos ? fmtNumber(oos.objective) : "-"}</td>`,
      `<td>${f.efficiency === null ? "n/a" : fmtNumber(f.efficiency)}</td>`,
      `<td>${is ? is.stats[primary].trades : "-"}</td>`,
      `<td>${os ? os.trades : "-"}</td>`,
      `<td class="${os ? cls(os.net_pnl) : ""}">${os ? fmtSigned(os.net_pnl) : "-"}</td>`,
      `<td>${alt ? fmtSigned(alt.net_pnl) : "-"}</td>`,
      `<td class="text">${f.status === "used" ? "used" : `left out: ${escapeHtml(f.reason)}`}</td>`,
    ];
    return `<tr${f.status === "used" ? "" : ' class="left-out"'}>${cells.join("")}</tr>`;
  }).join("\n");
  const stabilityRows = report.stability.map((p) =>
    `<tr><td>${escapeHtml(p.name)}</td><td>${p.distinct}</td><td class="text">${
      escapeHtml(p.values.join(", "))
    }</td><td>${fmtNumber(p.mean)}</td><td>${p.cv === null ? "n/a" : fmtNumber(p.cv)}</td><td>${
      p.normalizedJump === null ? "n/a" : fmtPct(p.normalizedJump * 100, 0)
    }</td></tr>`
  ).join("\n");
  const data: ChartData = {
    primary,
    other: otherBound,
    main: downsampleMinMax(main.ts, main.equity, MAX_WF_CHART_POINTS),
    alt: downsampleMinMax(other.ts, other.equity, MAX_WF_CHART_POINTS),
    foldStarts: main.foldStarts.map((f) => ({ fold: f.fold, ts: main.ts[f.index] })),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}${EXTRA_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(String(plan.windows))} windows: train <b>${
    escapeHtml(String(plan.train))
  }</b>, test <b>${escapeHtml(String(plan.test))}</b>, step <b>${
    escapeHtml(String(plan.step))
  }</b> &middot; ${plan.folds} folds &middot; ${plan.combinations} combinations &middot; objective <b>${
    escapeHtml(obj)
  }</b> &middot; min trades ${plan.min_trades}${
    plan.max_drawdown_pct === null || plan.max_drawdown_pct === undefined
      ? ""
      : ` &middot; max drawdown ${plan.max_drawdown_pct}%`
  } &middot; ${escapeHtml(primary)} bound</p>
<section class="verdict ${verdictClass(report.verdict)}" id="verdict">
<h2>${escapeHtml(report.verdict.toUpperCase())}</h2>
<div>${escapeHtml(report.headline)}</div>
${warnings.length ? `<ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>` : ""}
</section>
<div class="cards">
${
    card(
      "OOS net pnl",
      `${fmtSigned(s.net_pnl)} USDT`,
      cls(s.net_pnl),
      `${fmtSigned(s.return_pct)}%`,
    )
  }
${card("OOS sharpe", fmtNumber(s.sharpe))}
${card("OOS max drawdown", `${fmtNumber(s.max_drawdown)} USDT`, "", fmtPct(s.max_drawdown_pct))}
${card("OOS trades", String(s.trades))}
${
    card(
      "OOS / IS efficiency",
      eff === null ? "n/a" : fmtNumber(eff),
      eff === null ? "" : cls(eff),
      `edge: ${edgeLabel(obj)}`,
    )
  }
${
    card(
      `${otherBound} bound`,
      `${fmtSigned(o.net_pnl)} USDT`,
      cls(o.net_pnl),
      `${fmtSigned(o.return_pct)}%`,
    )
  }
${card("folds used", `${report.out_of_sample.used_folds} / ${plan.folds}`)}
</div>
<h2>Out-of-sample equity (test windows stitched)</h2>
<div class="panel"><div class="chart"><canvas id="oos-chart"></canvas></div>
<p class="note">Each fold's test window starts from the equity the previous one ended with; dashed lines mark where a fold's window starts. Folds left out are not in the curve.</p></div>
<h2>Folds</h2>
<div class="table-wrap"><table class="small">
<thead><tr><th>fold</th><th class="text">train</th><th class="text">test</th>${
    paramNames.map((p) => `<th>${escapeHtml(p)}</th>`).join("")
  }<th>IS ${escapeHtml(obj)}</th><th>OOS ${
    escapeHtml(obj)
  }</th><th>OOS/IS</th><th>IS trades</th><th>OOS trades</th><th>OOS pnl</th><th>${
    escapeHtml(otherBound)
  }</th><th class="text">status</th></tr></thead>
<tbody>
${foldRows}
</tbody></table></div>
<h2>Parameter stability</h2>
${
    report.stability.length === 0
      ? '<p class="note">No parameter had more than one value in the grid.</p>'
      : `<div class="table-wrap"><table class="small">
<thead><tr><th>parameter</th><th>distinct</th><th class="text">chosen per fold</th><th>mean</th><th>CV</th><th>mean jump (of grid range)</th></tr></thead>
<tbody>
${stabilityRows}
</tbody></table></div>`
  }
<p class="note">OOS/IS compares the objective as an edge (${
    escapeHtml(edgeLabel(obj))
  }) so windows of different lengths compare. Overfit when it is below ${report.thresholds.minEfficiency} over the used folds, or when a parameter jumps more than ${
    fmtPct(report.thresholds.maxParamJump * 100, 0)
  } of its grid range between folds on average.</p>
<footer>laptop-agents walk-forward</footer>
</main>
<script type="application/json" id="wf-data">${jsonForScript(data)}</script>
<script>${inlineScriptSource(chartJsSource)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
