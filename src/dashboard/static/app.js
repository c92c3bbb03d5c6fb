// Live dashboard page: renders /api/state, then applies SSE updates from /api/events.
// Falls back to polling /api/state while the event stream is down.
(() => {
  "use strict";

  const MAX_POINTS = 2000;
  const MAX_FILLS = 500;
  const MAX_LOG_ROWS = 300;
  const POLL_MS = 3000;
  const RUNS_REFRESH_MS = 30000;
  const LEVEL_RANK = { debug: 0, info: 1, warn: 2, error: 3 };

  const token = document.querySelector('meta[name="dashboard-token"]')?.content ?? "";
  const $ = (id) => document.getElementById(id);

  /** Client copy of the server state. */
  const state = {
    session: null,
    candles: [],
    equity: [],
    fills: [],
    position: null,
    orders: [],
    riskState: null,
    killSwitch: null,
    heartbeat: null,
    heartbeatAgeMs: null,
    /** Is an agent running (here or elsewhere)? {state, stop?} from the server. */
    agent: { state: "none" },
    statusAt: Date.now(),
  };
  /** The update channel: connecting, live (SSE), polling or offline. */
  let channel = "connecting";
  let logs = [];
  let renderQueued = false;
  let pollTimer = null;
  let source = null;

  // ---------- formatting ----------
  const fmtNum = (v, d = 2) =>
    typeof v === "number" && Number.isFinite(v)
      ? v.toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d })
      : "–";
  const fmtTime = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
  const fmtDateTime = (ms) =>
    new Date(ms).toLocaleString([], { hour12: false, dateStyle: "short", timeStyle: "short" });
  const fmtAge = (ms) => {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60000)} min`;
  };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const signCls = (v) => (v > 0 ? "pos" : v < 0 ? "neg" : "");

  // log fields as key=value text (nested keys dotted; values with spaces quoted)
  const fieldValue = (v) => {
    if (v === null) return "null";
    if (typeof v === "string") return v === "" || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
    // 10 significant digits: 42206.350329999994 reads as 42206.35033
    if (typeof v === "number") return String(Number.isInteger(v) ? v : Number(v.toPrecision(10)));
    if (typeof v !== "object") return String(v);
    if (Array.isArray(v)) {
      return `[${
        v.map((x) => (x !== null && typeof x === "object" ? JSON.stringify(x) : fieldValue(x)))
          .join(", ")
      }]`;
    }
    return JSON.stringify(v);
  };
  const fieldPairs = (obj, prefix, out) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const key = prefix ? `${prefix}.${k}` : k;
      const nested = v !== null && typeof v === "object" && !Array.isArray(v);
      if (nested && Object.keys(v).length > 0) fieldPairs(v, key, out);
      else out.push(`${key}=${fieldValue(v)}`);
    }
    return out;
  };
  const fieldsText = (fields) => fieldPairs(fields, "", []).join(" ");

  // ---------- charts ----------
  const Chart = globalThis.Chart;
  const grid = "rgba(135,150,165,0.15)";
  const tick = "#8796a5";
  const timeAxis = () => ({
    type: "linear",
    ticks: { color: tick, maxTicksLimit: 8, callback: (v) => fmtTime(v) },
    grid: { color: grid },
  });
  const valueAxis = { ticks: { color: tick }, grid: { color: grid } };
  const baseOptions = () => ({
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: "nearest", intersect: false },
    plugins: { legend: { labels: { color: tick } } },
    scales: { x: timeAxis(), y: { ...valueAxis } },
  });
  const charts = {};
  if (Chart) {
    Chart.defaults.color = tick;
    charts.equity = new Chart($("equity-chart"), {
      type: "line",
      data: {
        datasets: [{
          label: "equity (USD)",
          data: [],
          borderColor: "#4aa3ff",
          backgroundColor: "rgba(74,163,255,0.12)",
          fill: true,
          pointRadius: 0,
          borderWidth: 1.5,
        }],
      },
      options: baseOptions(),
    });
    charts.dd = new Chart($("dd-chart"), {
      type: "line",
      data: {
        datasets: [{
          label: "drawdown (USD)",
          data: [],
          borderColor: "#ff5c5c",
          backgroundColor: "rgba(255,92,92,0.15)",
          fill: true,
          pointRadius: 0,
          borderWidth: 1.2,
        }],
      },
      options: { ...baseOptions(), scales: { x: timeAxis(), y: { ...valueAxis, reverse: true } } },
    });
    charts.price = new Chart($("price-chart"), {
      type: "line",
      data: {
        datasets: [
          {
            label: "close",
            data: [],
            borderColor: "#dce3ea",
            pointRadius: 0,
            borderWidth: 1.2,
            order: 2,
          },
          {
            label: "buy fills",
            type: "scatter",
            data: [],
            pointStyle: "triangle",
            pointRadius: 7,
            backgroundColor: "#2ecc71",
            borderColor: "#2ecc71",
            order: 1,
          },
          {
            label: "sell fills",
            type: "scatter",
            data: [],
            pointStyle: "triangle",
            rotation: 180,
            pointRadius: 7,
            backgroundColor: "#ff5c5c",
            borderColor: "#ff5c5c",
            order: 1,
          },
        ],
      },
      options: baseOptions(),
    });
  }

  // ---------- rendering ----------
  /** Shows a note instead of empty 0..1 axes while a chart has no data. */
  function renderEmptyCharts() {
    const note = state.session
      ? "waiting for the first live candle…"
      : "no live session: charts fill in while a session runs with --dashboard";
    const boxes = [
      ["equity-chart", state.equity.length === 0],
      ["dd-chart", state.equity.length === 0],
      ["price-chart", state.candles.length === 0],
    ];
    for (const [id, empty] of boxes) {
      const canvas = $(id);
      canvas.style.visibility = empty ? "hidden" : "";
      const msg = canvas.parentElement.querySelector(".chart-empty");
      msg.hidden = !empty;
      msg.textContent = note;
    }
  }

  function renderCharts() {
    renderEmptyCharts();
    if (!charts.equity) return;
    charts.equity.data.datasets[0].data = state.equity.map((p) => ({ x: p.ts, y: p.equity }));
    charts.dd.data.datasets[0].data = state.equity.map((p) => ({ x: p.ts, y: p.drawdown }));
    const [close, buys, sells] = charts.price.data.datasets;
    close.data = state.candles.map((c) => ({ x: c.ts, y: c.close }));
    buys.data = state.fills.filter((f) => f.side === "buy").map((f) => ({ x: f.ts, y: f.price }));
    sells.data = state.fills.filter((f) => f.side === "sell").map((f) => ({
      x: f.ts,
      y: f.price,
    }));
    const first = Math.min(state.equity[0]?.ts ?? Infinity, state.candles[0]?.ts ?? Infinity);
    const last = Math.max(
      state.equity.at(-1)?.ts ?? -Infinity,
      state.candles.at(-1)?.ts ?? -Infinity,
    );
    for (const c of Object.values(charts)) {
      c.options.scales.x.min = Number.isFinite(first) ? first : undefined;
      c.options.scales.x.max = Number.isFinite(last) && last > first ? last : undefined;
      c.update("none");
    }
  }

  function renderPosition() {
    const dl = $("position");
    dl.replaceChildren();
    const p = state.position;
    if (!p) {
      dl.append(el("dt", "Flat"), el("dd", ""));
      return;
    }
    const last = state.candles.at(-1)?.close;
    const upnl = p.unrealizedPnl ??
      (last === undefined
        ? undefined
        : (last - p.entryPrice) * p.qty * (p.side === "long" ? 1 : -1));
    const rows = [
      ["Side", p.side, p.side === "long" ? "pos" : "neg"],
      ["Quantity", fmtNum(p.qty, 4)],
      ["Entry", fmtNum(p.entryPrice)],
      ["Stop", fmtNum(p.stopPrice)],
      ["Take profit", fmtNum(p.tpPrice)],
      ["Unrealized PnL", fmtNum(upnl), signCls(upnl)],
    ];
    for (const [k, v, cls] of rows) dl.append(el("dt", k), el("dd", v, cls));
  }

  function renderOrders() {
    const body = $("orders");
    body.replaceChildren();
    if (state.orders.length === 0) {
      const tr = el("tr");
      const td = el("td", "none", "muted");
      td.colSpan = 4;
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const o of state.orders) {
      const tr = el("tr");
      tr.append(
        el("td", o.side, o.side === "buy" ? "pos" : "neg"),
        el("td", fmtNum(o.qty, 4)),
        el("td", o.reduceOnly ? "yes" : "no"),
        el("td", o.clientId),
      );
      body.append(tr);
    }
  }

  /** How the agent stopped, e.g. `stopped cleanly 01/01/26, 12:03 (duration)`. */
  const stopText = (stop) =>
    `stopped ${stop.clean ? "cleanly" : "on a fault"} ${fmtDateTime(stop.at)} (${stop.reason})`;

  function sessionLabel() {
    const s = state.session;
    if (s) {
      return `${s.mode}${
        s.executionMode ? ` (${s.executionMode})` : ""
      } · ${s.symbol} · ${s.runId}`;
    }
    const a = state.agent;
    const hb = state.heartbeat;
    if (a.state === "running" && hb) {
      return `no session in this dashboard · agent running: ${hb.mode}${
        hb.executionMode ? ` (${hb.executionMode})` : ""
      } · ${hb.symbol} · ${hb.runId} (its own --dashboard shows it live)`;
    }
    if (a.state === "stopped") {
      return `no session running: history only · the last agent ${stopText(a.stop)}`;
    }
    if (a.state === "stale" && hb) {
      return `no session running: history only · the last agent went silent ${fmtDateTime(hb.ts)}`;
    }
    return "no agent running: history only";
  }

  function renderConn() {
    const c = $("conn");
    const running = state.agent.state === "running";
    const [text, cls] = channel === "offline"
      ? ["offline", "bad"]
      : channel === "connecting"
      ? ["connecting…", ""]
      : !running
      ? ["no agent running", ""]
      : channel === "live"
      ? ["live", "ok"]
      : ["polling", "warn"];
    c.textContent = text;
    c.className = `pill ${cls}`;
  }

  function renderStatus() {
    $("session-label").textContent = sessionLabel();
    renderConn();
    const risk = $("risk-state");
    risk.textContent = `risk: ${state.riskState ?? "–"}`;
    risk.className = "pill " +
      ({ active: "ok", reducing: "warn", halted: "bad" }[state.riskState] ?? "");
    const kill = $("kill-state");
    const btn = $("kill-btn");
    if (state.killSwitch === true) {
      kill.textContent = "kill switch: TRIPPED";
      kill.className = "pill bad";
      btn.disabled = true;
      btn.textContent = "Kill switch tripped";
    } else {
      kill.textContent = state.killSwitch === false ? "kill switch: off" : "kill switch: unknown";
      kill.className = "pill " + (state.killSwitch === false ? "ok" : "warn");
      if (btn.disabled) {
        btn.disabled = false;
        btn.textContent = "Trip kill switch";
      }
    }
    renderHeartbeat();
  }

  function renderHeartbeat() {
    const hb = $("heartbeat");
    if (state.agent.state === "stopped") {
      hb.textContent = stopText(state.agent.stop);
      hb.className = "pill " + (state.agent.stop.clean ? "" : "bad");
      return;
    }
    if (state.heartbeatAgeMs === null) {
      hb.textContent = "heartbeat: none";
      hb.className = "pill";
      return;
    }
    const age = state.heartbeatAgeMs + (Date.now() - state.statusAt);
    hb.textContent = `heartbeat: ${fmtAge(age)} ago`;
    hb.className = "pill " + (age < 5000 ? "ok" : age < 30000 ? "warn" : "bad");
  }

  function renderMetrics() {
    const last = state.equity.at(-1);
    $("equity-last").textContent = last ? `${fmtNum(last.equity)} USD` : "–";
    $("dd-last").textContent = last ? `${fmtNum(last.drawdown)} USD` : "–";
    const c = state.candles.at(-1);
    $("price-last").textContent = c ? fmtNum(c.close) : "–";
  }

  function renderLogs() {
    const body = $("logs");
    body.replaceChildren();
    for (const r of logs.slice().reverse()) {
      const { ts, level, component, event, runId: _runId, ...fields } = r;
      const tr = el("tr");
      tr.append(
        el("td", fmtTime(Date.parse(ts))),
        el("td", level, `lvl-${level}`),
        el("td", component),
        el("td", event),
        el("td", fieldsText(fields), "fields"),
      );
      body.append(tr);
    }
    document.body.dataset.logRows = String(logs.length);
  }

  function render() {
    renderQueued = false;
    renderCharts();
    renderMetrics();
    renderPosition();
    renderOrders();
    renderStatus();
    renderLogs();
    document.body.dataset.equityPoints = String(state.equity.length);
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(render, 150);
  }

  // ---------- data ----------
  async function getJson(url) {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  }

  function applyStatus(s) {
    state.killSwitch = s.killSwitch;
    state.heartbeat = s.heartbeat;
    state.heartbeatAgeMs = s.heartbeatAgeMs;
    if (s.agent) state.agent = s.agent;
    state.statusAt = Date.now();
  }

  async function loadState() {
    const s = await getJson("/api/state");
    applyStatus(s);
    Object.assign(state, {
      session: s.session,
      candles: s.candles,
      equity: s.equity,
      fills: s.fills,
      position: s.position,
      orders: s.orders,
      riskState: s.riskState,
    });
    queueRender();
  }

  async function loadLogs() {
    const level = $("log-level").value;
    const body = await getJson(`/api/logs?level=${encodeURIComponent(level)}&limit=200`);
    logs = body.logs;
    queueRender();
  }

  /** "fast 12, slow 26" and "5m · risk 1% · stop 30 bps · TP 1.5R · 2x · optimistic". */
  const paramsText = (r) => {
    const p = Object.entries(r.strategyParams ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
    const s = r.settings ?? {};
    const parts = [
      s.interval,
      s.risk_pct !== undefined ? `risk ${s.risk_pct}%` : undefined,
      s.stop_bps !== undefined ? `stop ${s.stop_bps} bps` : undefined,
      s.tp_r !== undefined ? `TP ${s.tp_r}R` : undefined,
      s.max_leverage !== undefined && s.max_leverage !== 1 ? `${s.max_leverage}x` : undefined,
      s.intrabar,
    ].filter((x) => x !== undefined);
    return { strategy: p, settings: parts.join(" · ") };
  };

  async function loadRuns() {
    const { runs } = await getJson("/api/runs");
    const body = $("runs");
    body.replaceChildren();
    if (runs.length === 0) {
      const tr = el("tr");
      const td = el("td", "no runs yet", "muted");
      td.colSpan = 12;
      tr.append(td);
      body.append(tr);
    }
    for (const r of runs) {
      const s = r.stats;
      const tr = el("tr");
      const link = el("td");
      if (r.hasSummary) {
        const a = el("a", "summary.html");
        a.href = `/runs/${encodeURIComponent(r.id)}/summary.html`;
        a.target = "_blank";
        a.rel = "noopener";
        link.append(a);
      } else link.append(el("span", "–", "muted"));
      const text = paramsText(r);
      const params = el("td", undefined, "params");
      params.append(el("span", text.strategy || "–"));
      if (text.settings) params.append(el("div", text.settings, "muted"));
      tr.append(
        el("td", r.id),
        el("td", fmtDateTime(r.time)),
        el("td", r.mode ?? "–"),
        el("td", r.symbol ?? "–"),
        el("td", r.strategy ?? "–"),
        params,
        el("td", fmtNum(s.net_pnl), `num ${signCls(s.net_pnl)}`),
        el("td", `${fmtNum(s.return_pct)} %`, `num ${signCls(s.return_pct)}`),
        el("td", s.trades, "num"),
        el("td", `${fmtNum(s.win_rate * 100, 1)} %`, "num"),
        el("td", `${fmtNum(s.max_drawdown_pct)} %`, "num"),
        link,
      );
      body.append(tr);
    }
  }

  const trim = (list, max) => {
    if (list.length > max) list.splice(0, list.length - max);
  };

  function applyUpdate(u) {
    switch (u.type) {
      case "session":
        state.session = u.session;
        break;
      case "candle": {
        const last = state.candles.at(-1);
        if (last && last.ts === u.candle.ts) state.candles[state.candles.length - 1] = u.candle;
        else state.candles.push(u.candle);
        trim(state.candles, MAX_POINTS);
        break;
      }
      case "equity":
        state.equity.push(u.point);
        trim(state.equity, MAX_POINTS);
        break;
      case "fill":
        state.fills.push(u.fill);
        trim(state.fills, MAX_FILLS);
        break;
      case "position":
        state.position = u.position;
        break;
      case "orders":
        state.orders = u.orders;
        break;
      case "log":
        if (LEVEL_RANK[u.record.level] >= LEVEL_RANK[$("log-level").value]) {
          logs.push(u.record);
          trim(logs, MAX_LOG_ROWS);
        }
        break;
      case "heartbeat":
        state.heartbeat = u.heartbeat;
        state.heartbeatAgeMs = 0;
        state.statusAt = Date.now();
        break;
      case "risk":
        state.riskState = u.riskState;
        break;
      case "reset":
        Object.assign(state, {
          session: null,
          candles: [],
          equity: [],
          fills: [],
          position: null,
          orders: [],
          riskState: null,
        });
        break;
    }
    queueRender();
  }

  // ---------- live channel ----------
  function setConn(to) {
    channel = to;
    renderConn();
  }

  function startPolling() {
    if (pollTimer !== null) return;
    setConn("polling");
    pollTimer = setInterval(() => loadState().catch(() => setConn("offline")), POLL_MS);
  }

  function stopPolling() {
    if (pollTimer === null) return;
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (!("EventSource" in globalThis)) {
      startPolling();
      return;
    }
    source = new EventSource("/api/events");
    source.addEventListener("open", () => {
      stopPolling();
      setConn("live");
      loadState().catch(() => {});
    });
    source.addEventListener("update", (e) => applyUpdate(JSON.parse(e.data)));
    source.addEventListener("status", (e) => {
      applyStatus(JSON.parse(e.data));
      queueRender();
    });
    source.addEventListener("resync", () => loadState().catch(() => {}));
    source.addEventListener("error", () => {
      startPolling();
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    });
  }

  // ---------- actions ----------
  let armedTimer = null;
  $("kill-btn").addEventListener("click", async () => {
    const btn = $("kill-btn");
    if (armedTimer === null) {
      btn.classList.add("armed");
      btn.textContent = "Click again to confirm";
      armedTimer = setTimeout(() => {
        armedTimer = null;
        btn.classList.remove("armed");
        btn.textContent = "Trip kill switch";
      }, 5000);
      return;
    }
    clearTimeout(armedTimer);
    armedTimer = null;
    btn.classList.remove("armed");
    btn.disabled = true;
    btn.textContent = "Tripping…";
    try {
      const res = await fetch("/api/kill-switch", {
        method: "POST",
        headers: { "x-dashboard-token": token },
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      state.killSwitch = body.killSwitch;
    } catch (err) {
      btn.disabled = false;
      btn.textContent = "Trip kill switch";
      alert(`Could not trip the kill switch: ${err.message}`);
    }
    renderStatus();
  });

  $("log-level").addEventListener("change", () => loadLogs().catch(() => {}));
  setInterval(renderHeartbeat, 1000);
  setInterval(() => loadRuns().catch(() => {}), RUNS_REFRESH_MS);

  loadState().catch(() => setConn("offline"));
  loadLogs().catch(() => {});
  loadRuns().catch(() => {
    $("runs").replaceChildren(el("tr", "could not load runs"));
  });
  connect();
})();
