/**
 * Browser script of `summary.html`: reads the JSON data block and draws the equity,
 * drawdown and price charts with Chart.js (inlined before it). When done it sets
 * `document.body.dataset.chartsReady` to the number of charts created.
 */
export const PAGE_SCRIPT = `(function () {
  "use strict";
  var made = 0;
  try {
    var data = JSON.parse(document.getElementById("report-data").textContent);
    var pad = function (n) { return n < 10 ? "0" + n : String(n); };
    var fmtT = function (v) {
      var d = new Date(v);
      return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
        " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    };
    var pts = function (s) {
      var out = new Array(s.x.length);
      for (var i = 0; i < s.x.length; i++) out[i] = { x: s.x[i], y: s.y[i] };
      return out;
    };
    var xs = data.price.x;
    var xMin = xs.length ? xs[0] : undefined;
    var xMax = xs.length ? xs[xs.length - 1] : undefined;
    var options = function (yLabel) {
      return {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: {
          legend: { display: false, labels: { usePointStyle: true } },
          tooltip: { callbacks: { title: function (items) { return items.length ? fmtT(items[0].parsed.x) + " UTC" : ""; } } }
        },
        scales: {
          x: { type: "linear", min: xMin, max: xMax, ticks: { maxTicksLimit: 7, callback: function (v) { return fmtT(v).slice(0, 10); } } },
          y: { title: { display: true, text: yLabel } }
        }
      };
    };
    var line = function (label, series, color, fill) {
      return { type: "line", label: label, data: pts(series), borderColor: color, backgroundColor: fill || color,
        borderWidth: 1.5, pointRadius: 0, fill: !!fill, tension: 0 };
    };
    var draw = function (id, datasets, opts) {
      var el = document.getElementById(id);
      if (!el) return;
      new Chart(el, { type: "line", data: { datasets: datasets }, options: opts });
      made++;
    };
    draw("equity-chart", [line("Equity", data.equity, "#2563eb")], options("USD"));
    var dd = { x: data.drawdown.x, y: data.drawdown.y.map(function (v) { return -v; }) };
    draw("drawdown-chart", [line("Drawdown", dd, "#dc2626", "rgba(220,38,38,0.15)")], options("USD"));
    var m = data.markers;
    var marks = function (label, arr, color, style, rotation, size) {
      return { type: "scatter", label: label, data: arr.map(function (p) { return { x: p[0], y: p[1] }; }),
        pointStyle: style, rotation: rotation, pointRadius: size, pointHoverRadius: size + 2,
        borderColor: color, backgroundColor: color, showLine: false };
    };
    var priceOpts = options("Price");
    priceOpts.plugins.legend.display = true;
    draw("price-chart", [
      line("Close", data.price, "#64748b"),
      marks("Long entry", m.longEntry, "#16a34a", "triangle", 0, 6),
      marks("Short entry", m.shortEntry, "#ea580c", "triangle", 180, 6),
      marks("Exit, win", m.winExit, "#2563eb", "circle", 0, 4),
      marks("Exit, loss", m.lossExit, "#dc2626", "crossRot", 0, 6)
    ], priceOpts);
  } catch (e) {
    var box = document.getElementById("chart-error");
    if (box) { box.hidden = false; box.textContent = "Charts could not be drawn: " + (e && e.message ? e.message : e); }
  }
  document.body.dataset.chartsReady = String(made);
})();`;
