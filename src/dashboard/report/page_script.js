// Browser script of summary.html (inlined after Chart.js): draws the charts from the JSON
// data block, zooms and pans the time charts together (wheel, drag, buttons), shows trade
// markers once few enough trades are in view, and sorts and pages the trade table. When
// done it sets document.body.dataset.chartsReady to the number of charts created.
(() => {
  "use strict";
  const body = document.body;
  const MIN = 60000;
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  const MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  /** Markers are drawn when at most this many trades are in view. */
  const MARKER_LIMIT = 150;
  const $ = (id) => document.getElementById(id);
  const pad = (n) => (n < 10 ? "0" + n : String(n));
  const fmtT = (v) => {
    const d = new Date(v);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  };
  const fmtN = (v, digits) =>
    Number(v).toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });

  // ---- time axis: ticks on minute, hour, day, month and year boundaries (UTC) ----
  const FIXED_STEPS = [
    MIN,
    2 * MIN,
    5 * MIN,
    10 * MIN,
    15 * MIN,
    30 * MIN,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
  ];
  const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120, 600];
  const MONDAY = 4 * DAY; // 1970-01-05 is a Monday

  /** Tick values and the step they were made with, at most `maxTicks` over [min, max]. */
  function timeTicks(min, max, maxTicks) {
    const span = max - min;
    for (const step of FIXED_STEPS) {
      if (span / step > maxTicks) continue;
      const offset = step >= 7 * DAY ? MONDAY : 0;
      const ticks = [];
      for (let v = Math.ceil((min - offset) / step) * step + offset; v <= max; v += step) {
        ticks.push(v);
      }
      return { ticks, step, months: 0 };
    }
    for (const k of MONTH_STEPS) {
      if (span / (k * 30.44 * DAY) > maxTicks && k !== 600) continue;
      const d = new Date(min);
      let idx = d.getUTCFullYear() * 12 + d.getUTCMonth();
      if (Date.UTC(Math.floor(idx / 12), idx % 12, 1) < min) idx++;
      idx = Math.ceil(idx / k) * k;
      const ticks = [];
      for (;;) {
        const t = Date.UTC(Math.floor(idx / 12), idx % 12, 1);
        if (t > max) break;
        ticks.push(t);
        idx += k;
      }
      return { ticks, step: k * 30 * DAY, months: k };
    }
    return { ticks: [], step: DAY, months: 0 };
  }

  /** A tick's label: times within a day, dates at midnight, months and years above. */
  function tickLabel(v, info) {
    const d = new Date(v);
    const month = MONTHS[d.getUTCMonth()];
    if (info.months >= 12) return String(d.getUTCFullYear());
    if (info.months > 0) return d.getUTCMonth() === 0 ? String(d.getUTCFullYear()) : month;
    if (info.step >= DAY) {
      if (d.getUTCMonth() === 0 && d.getUTCDate() === 1) return String(d.getUTCFullYear());
      return month + " " + d.getUTCDate();
    }
    if (v % DAY === 0) return month + " " + d.getUTCDate();
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  /** Options of a time x axis; each axis keeps the step of its last ticks for the labels. */
  function timeAxis(min, max) {
    let info = { ticks: [], step: DAY, months: 0 };
    return {
      type: "linear",
      min,
      max,
      bounds: "data",
      grid: { color: "rgba(148,163,184,0.18)" },
      afterBuildTicks: (axis) => {
        const maxTicks = Math.max(3, Math.floor((axis.width || 800) / 105));
        info = timeTicks(axis.min, axis.max, maxTicks);
        axis.ticks = info.ticks.map((value) => ({ value }));
      },
      ticks: {
        autoSkip: false,
        maxRotation: 0,
        callback: (v) => tickLabel(v, info),
      },
    };
  }

  // ---- series windows: the visible part, min/max-downsampled to the chart's width ----
  function lowerBound(a, v) {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function windowPoints(s, min, max, maxPts) {
    const from = Math.max(0, lowerBound(s.x, min) - 1);
    const to = Math.min(s.x.length, lowerBound(s.x, max) + 2);
    const out = [];
    const count = to - from;
    if (count <= maxPts) {
      for (let i = from; i < to; i++) out.push({ x: s.x[i], y: s.y[i] });
      return out;
    }
    const buckets = Math.floor(maxPts / 2);
    for (let b = 0; b < buckets; b++) {
      const a = from + Math.floor((b * count) / buckets);
      const e = from + Math.floor(((b + 1) * count) / buckets);
      let lo = a;
      let hi = a;
      for (let i = a + 1; i < e; i++) {
        if (s.y[i] < s.y[lo]) lo = i;
        if (s.y[i] > s.y[hi]) hi = i;
      }
      const first = Math.min(lo, hi);
      const second = Math.max(lo, hi);
      out.push({ x: s.x[first], y: s.y[first] });
      if (second !== first) out.push({ x: s.x[second], y: s.y[second] });
    }
    return out;
  }

  let made = 0;
  const timeCharts = [];
  let data = null;
  try {
    data = JSON.parse($("report-data").textContent);
  } catch (e) {
    showError(e);
  }

  function showError(e) {
    const box = $("chart-error");
    if (box) {
      box.hidden = false;
      box.textContent = "Charts could not be drawn: " + (e && e.message ? e.message : e);
    }
  }

  const full = data && data.xMin !== null ? { min: data.xMin, max: data.xMax } : null;
  const view = full ? { min: full.min, max: full.max } : null;

  function baseOptions(yTitle) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      plugins: {
        legend: { display: false, labels: { usePointStyle: true, boxHeight: 6 } },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? fmtT(items[0].parsed.x) + " UTC" : ""),
          },
        },
      },
      scales: {
        x: timeAxis(view.min, view.max),
        y: {
          title: { display: true, text: yTitle },
          grid: { color: "rgba(148,163,184,0.18)" },
          // the same width on every time chart, so their x axes line up
          afterFit: (axis) => {
            axis.width = 76;
          },
        },
      },
    };
  }

  function makeChart(id, config) {
    const el = $(id);
    if (!el) return null;
    const chart = new Chart(el, config);
    made++;
    return chart;
  }

  /** A time chart: its datasets are refilled from their full series on every view change. */
  function timeChart(id, lines, yTitle, extra) {
    const datasets = lines.map((l) => l.dataset);
    const options = baseOptions(yTitle);
    if (extra) extra(options);
    const chart = makeChart(id, { type: "line", data: { datasets }, options });
    if (chart) timeCharts.push({ chart, lines });
    return chart;
  }

  function lineSet(label, color, opts) {
    return Object.assign({
      type: "line",
      label,
      data: [],
      borderColor: color,
      backgroundColor: color,
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 4,
      tension: 0,
      fill: false,
    }, opts || {});
  }

  const EQUITY_STYLE = {
    conservative: "#2563eb",
    optimistic: "#ea580c",
    run: "#2563eb",
    detail: "#7c3aed",
    benchmark: "#94a3b8",
  };

  let priceChart = null;
  let markerSets = null;

  function drawCharts() {
    const eqLines = data.equity.map((l, i) => ({
      series: l,
      dataset: lineSet(l.label, EQUITY_STYLE[l.key] || "#0f172a", {
        borderWidth: l.main ? 2 : 1.5,
        borderDash: l.main || l.key === "benchmark" ? [] : [5, 3],
        order: l.main ? 0 : i + 1,
      }),
    }));
    timeChart("equity-chart", eqLines, "USD", (o) => {
      o.plugins.legend.display = true;
      o.scales.y.type = data.logEquity ? "logarithmic" : "linear";
      o.scales.y.ticks = { callback: priceTick, autoSkip: true };
      o.plugins.tooltip.callbacks.label = (c) => c.dataset.label + ": " + fmtN(c.parsed.y, 2);
    });
    timeChart(
      "drawdown-chart",
      [{
        series: data.underwater,
        dataset: lineSet("Drawdown", "#dc2626", {
          fill: { target: "origin" },
          backgroundColor: "rgba(220,38,38,0.15)",
        }),
      }],
      "% below peak",
      (o) => {
        o.scales.y.max = 0;
        o.plugins.tooltip.callbacks.label = (c) => "Drawdown " + fmtN(c.parsed.y, 2) + "%";
      },
    );
    markerSets = {
      longEntry: markSet("Long entry", "#16a34a", "triangle", 0, 6),
      shortEntry: markSet("Short entry", "#ea580c", "triangle", 180, 6),
      winExit: markSet("Exit, win", "#2563eb", "circle", 0, 4),
      lossExit: markSet("Exit, loss", "#dc2626", "crossRot", 0, 6),
      winPath: lineSet("Winning trade", "rgba(37,99,235,0.55)", {
        borderWidth: 1.2,
        spanGaps: false,
      }),
      lossPath: lineSet("Losing trade", "rgba(220,38,38,0.55)", {
        borderWidth: 1.2,
        spanGaps: false,
      }),
    };
    const priceLines = [
      { series: data.price, dataset: lineSet("Close", "#64748b", { borderWidth: 1.2 }) },
    ];
    priceChart = timeChart("price-chart", priceLines, "Price", (o) => {
      o.plugins.legend.display = true;
      o.plugins.legend.labels.filter = (item) => !/trade$/.test(item.text);
      o.scales.y.type = data.logPrice ? "logarithmic" : "linear";
      o.scales.y.ticks = { callback: priceTick, autoSkip: true };
      o.plugins.tooltip.callbacks.label = (c) => c.dataset.label + ": " + fmtN(c.parsed.y, 2);
    });
    if (priceChart) {
      for (const k of ["winPath", "lossPath", "longEntry", "shortEntry", "winExit", "lossExit"]) {
        priceChart.data.datasets.push(markerSets[k]);
      }
    }
    drawHistogram();
  }

  function priceTick(v) {
    if (this && this.type === "logarithmic") {
      const m = v / Math.pow(10, Math.floor(Math.log10(v)));
      const r = Math.round(m);
      if (Math.abs(m - r) > 1e-6 || [1, 2, 5].indexOf(r) < 0) return "";
    }
    return fmtN(v, v < 10 ? 2 : 0);
  }

  function markSet(label, color, style, rotation, size) {
    return {
      type: "scatter",
      label,
      data: [],
      pointStyle: style,
      rotation,
      pointRadius: size,
      pointHoverRadius: size + 2,
      borderColor: color,
      backgroundColor: color,
      showLine: false,
    };
  }

  function drawHistogram() {
    const h = data.histogram;
    if (!h || h.count.length === 0) return;
    const width = h.to[0] - h.from[0];
    const digits = Number.isInteger(width) ? 0 : width >= 1 ? 1 : 2;
    makeChart("histogram-chart", {
      type: "bar",
      data: {
        labels: h.from.map((v) => fmtN(v, digits)),
        datasets: [{
          label: "Trades",
          data: h.count,
          backgroundColor: h.from.map((v, k) =>
            (v + h.to[k]) / 2 < 0 ? "rgba(220,38,38,0.7)" : "rgba(22,163,74,0.7)"
          ),
          barPercentage: 1,
          categoryPercentage: 0.96,
        }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => {
                const k = items[0].dataIndex;
                return fmtN(h.from[k], digits) + " to " + fmtN(h.to[k], digits) + " USD";
              },
              label: (c) => c.parsed.y + " trades",
            },
          },
        },
        scales: {
          x: {
            title: { display: true, text: "Trade P&L (USD), bin start" },
            ticks: { maxRotation: 0 },
          },
          y: { title: { display: true, text: "Trades" }, ticks: { precision: 0 } },
        },
      },
    });
  }

  /** Refills every time chart for the current view and updates the marker note. */
  function applyView() {
    for (const tc of timeCharts) {
      const c = tc.chart;
      c.options.scales.x.min = view.min;
      c.options.scales.x.max = view.max;
      const px = Math.max(200, Math.floor(c.width || 800));
      for (const l of tc.lines) l.dataset.data = windowPoints(l.series, view.min, view.max, 2 * px);
    }
    if (priceChart && markerSets) fillMarkers();
    for (const tc of timeCharts) tc.chart.update("none");
    body.dataset.viewMin = String(view.min);
    body.dataset.viewMax = String(view.max);
  }

  function fillMarkers() {
    const m = markerSets;
    const inView = [];
    for (const t of data.trades) if (t[0] <= view.max && t[2] >= view.min) inView.push(t);
    const show = inView.length <= MARKER_LIMIT;
    for (const k in m) m[k].data = [];
    if (show) {
      for (const t of inView) {
        const short = (t[4] & 1) !== 0;
        const win = (t[4] & 2) !== 0;
        (short ? m.shortEntry : m.longEntry).data.push({ x: t[0], y: t[1] });
        (win ? m.winExit : m.lossExit).data.push({ x: t[2], y: t[3] });
        const path = win ? m.winPath : m.lossPath;
        path.data.push({ x: t[0], y: t[1] }, { x: t[2], y: t[3] }, { x: t[2], y: NaN });
      }
    }
    const note = $("marker-state");
    if (note) {
      note.textContent = show
        ? inView.length + " trades in view."
        : inView.length.toLocaleString("en-US") +
          " trades in view: zoom in (wheel or buttons) to see their markers.";
    }
    body.dataset.markersShown = show ? String(inView.length) : "0";
  }

  let pending = false;
  function scheduleView() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      applyView();
    });
  }

  function setView(min, max) {
    const fullSpan = full.max - full.min;
    const minSpan = Math.min(fullSpan, Math.max(data.intervalMs * 24, 1));
    let span = Math.min(fullSpan, Math.max(minSpan, max - min));
    if (!(span > 0)) span = fullSpan;
    let lo = min;
    if (lo < full.min) lo = full.min;
    if (lo + span > full.max) lo = full.max - span;
    view.min = lo;
    view.max = lo + span;
    scheduleView();
  }

  function zoomAt(anchor, factor) {
    const span = view.max - view.min;
    const next = span * factor;
    const lo = anchor - (anchor - view.min) * (next / span);
    setView(lo, lo + next);
  }

  function wireZoom() {
    for (const tc of timeCharts) {
      const chart = tc.chart;
      const canvas = chart.canvas;
      canvas.addEventListener("wheel", (e) => {
        e.preventDefault();
        const area = chart.chartArea;
        if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          const dv = e.deltaX / Math.max(1, area.right - area.left) * (view.max - view.min);
          setView(view.min + dv, view.max + dv);
          return;
        }
        const anchor = chart.scales.x.getValueForPixel(
          Math.min(area.right, Math.max(area.left, e.offsetX)),
        );
        zoomAt(anchor, e.deltaY > 0 ? 1.25 : 0.8);
      }, { passive: false });
      let drag = null;
      canvas.addEventListener("pointerdown", (e) => {
        if (e.button !== 0) return;
        drag = { x: e.clientX, min: view.min, max: view.max };
        canvas.setPointerCapture(e.pointerId);
        canvas.style.cursor = "grabbing";
      });
      canvas.addEventListener("pointermove", (e) => {
        if (!drag) return;
        const area = chart.chartArea;
        const dv = (e.clientX - drag.x) / Math.max(1, area.right - area.left) *
          (drag.max - drag.min);
        setView(drag.min - dv, drag.max - dv);
      });
      const end = (e) => {
        if (!drag) return;
        drag = null;
        canvas.style.cursor = "";
        if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
      };
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
      canvas.addEventListener("dblclick", () => setView(full.min, full.max));
    }
    const center = () => (view.min + view.max) / 2;
    const on = (id, f) => {
      const b = $(id);
      if (b) b.addEventListener("click", f);
    };
    on("zoom-in", () => zoomAt(center(), 0.5));
    on("zoom-out", () => zoomAt(center(), 2));
    on("zoom-reset", () => setView(full.min, full.max));
    for (const id of ["equity-log", "price-log"]) {
      on(id, (e) => {
        const button = e.currentTarget;
        const tc = timeCharts.find((c) => c.chart.canvas.id === button.dataset.chart);
        if (!tc) return;
        const y = tc.chart.options.scales.y;
        y.type = y.type === "logarithmic" ? "linear" : "logarithmic";
        button.setAttribute("aria-pressed", String(y.type === "logarithmic"));
        tc.chart.update("none");
      });
    }
  }

  if (data && full) {
    try {
      const note = $("marker-note");
      if (note) {
        const state = document.createElement("span");
        state.id = "marker-state";
        note.append(" ", state);
      }
      drawCharts();
      applyView();
      wireZoom();
    } catch (e) {
      showError(e);
    }
  }
  body.dataset.chartsReady = String(made);

  // ---- the trade table: sort by a column (click its header), page through the rows ----
  function wireTable() {
    const table = $("trades-table");
    if (!table) return;
    const tbody = table.tBodies[0];
    let rows = Array.from(tbody.rows);
    let size = Number(table.dataset.pageSize) || 50;
    let page = 0;
    const pager = $("trades-pager");
    const label = $("trades-page");
    const render = () => {
      const pages = Math.max(1, Math.ceil(rows.length / size));
      page = Math.min(Math.max(0, page), pages - 1);
      const from = page * size;
      const to = Math.min(rows.length, from + size);
      rows.forEach((r, i) => {
        r.hidden = i < from || i >= to;
      });
      if (label) {
        label.textContent = "Rows " + (from + 1).toLocaleString("en-US") + "–" +
          to.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") +
          " · page " + (page + 1) + " of " + pages;
      }
      if (pager) {
        for (const b of pager.querySelectorAll("button")) {
          const k = b.dataset.page;
          b.disabled = (k === "first" || k === "prev") ? page === 0 : page >= pages - 1;
        }
      }
      body.dataset.tradePage = String(page + 1);
    };
    if (pager) {
      pager.hidden = false;
      pager.addEventListener("click", (e) => {
        const k = e.target && e.target.dataset ? e.target.dataset.page : undefined;
        if (!k) return;
        if (k === "first") page = 0;
        else if (k === "prev") page--;
        else if (k === "next") page++;
        else if (k === "last") page = Number.MAX_SAFE_INTEGER;
        render();
      });
    }
    const sizeSelect = $("trades-page-size");
    if (sizeSelect) {
      sizeSelect.addEventListener("change", () => {
        size = Number(sizeSelect.value) || 50;
        page = 0;
        render();
      });
    }
    const heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach((th, col) => {
      th.tabIndex = 0;
      const sort = () => {
        const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        for (const h of heads) h.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        const numeric = th.dataset.type === "num";
        const key = (r) => {
          const text = r.cells[col].textContent;
          return numeric ? Number(text.replace(/,/g, "")) : text;
        };
        const keyed = rows.map((r, i) => ({ r, i, k: key(r) }));
        keyed.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.i - b.i));
        rows = keyed.map((x) => x.r);
        tbody.append(...rows);
        page = 0;
        render();
        body.dataset.tradeSort = col + ":" + (dir === 1 ? "asc" : "desc");
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    });
    render();
    body.dataset.tableReady = "1";
  }
  try {
    wireTable();
  } catch (e) {
    showError(e);
  }
})();
