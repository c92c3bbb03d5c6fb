/** Inline CSS of `summary.html`: light theme, system font, fits a 1400 px window. */
export const PAGE_STYLE = `
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #fff;
  --pos: #15803d; --neg: #b91c1c; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1360px; margin: 0 auto; padding: 20px 16px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 26px 0 8px; }
h3 { font-size: 14px; margin: 0 0 8px; }
code { font-size: 12px; background: #f1f5f9; padding: 0 3px; border-radius: 3px; word-break: break-all; }
.sub { color: var(--muted); margin: 0 0 14px; }
.sub b { color: var(--fg); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.card .k { color: var(--muted); font-size: 12px; white-space: nowrap; }
.card .v { font-size: 17px; font-weight: 600; margin-top: 1px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .s { color: var(--muted); font-size: 11px; line-height: 1.3; }
.pos { color: var(--pos); } .neg { color: var(--neg); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart { position: relative; height: 320px; touch-action: none; }
.chart.tall { height: 420px; }
.chart.short { height: 220px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 0 0 6px; flex-wrap: wrap; }
.toolbar .note { flex: 1; }
button { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid #cbd5e1; border-radius: 6px;
  background: #fff; color: var(--fg); cursor: pointer; }
button:hover { background: #f1f5f9; }
button[aria-pressed="true"] { background: #dbeafe; border-color: #93c5fd; }
button:disabled { color: #94a3b8; cursor: default; background: #fff; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: #f1f5f9; font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text { text-align: left; }
table.small { font-size: 13px; }
table.facts th { text-align: left; background: none; font-weight: 600; width: 110px; }
table.facts td { text-align: left; white-space: normal; }
.bounds { max-width: 900px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.heatmap { background: var(--card); border: 1px solid var(--line); font-size: 13px; }
.heatmap td { text-align: center; min-width: 54px; }
.heatmap td.empty { background: #f8fafc; }
.heatmap th:last-child, .heatmap td:last-child { border-left: 2px solid var(--line); font-weight: 600; }
.table-wrap { border: 1px solid var(--line); border-radius: 8px; background: var(--card); }
#trades-table { font-size: 12.5px; }
#trades-table th { cursor: pointer; user-select: none; padding-right: 14px; position: relative; }
#trades-table th[aria-sort]::after { content: ""; position: absolute; right: 3px; top: 50%; margin-top: -3px;
  border: 4px solid transparent; }
#trades-table th[aria-sort="ascending"]::after { border-bottom-color: var(--accent); margin-top: -7px; }
#trades-table th[aria-sort="descending"]::after { border-top-color: var(--accent); margin-top: -1px; }
#trades-table tbody tr:hover { background: #f8fafc; }
.pager { display: flex; gap: 6px; align-items: center; margin-top: 8px; }
.pager label { margin-left: auto; color: var(--muted); font-size: 13px; }
.pager span { min-width: 180px; text-align: center; color: var(--muted); font-size: 13px; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0; }
.note.warn { color: #92400e; }
details { margin-top: 16px; }
details table { max-width: 720px; background: var(--card); }
details td { text-align: left; white-space: normal; word-break: break-all; }
#chart-error { color: var(--neg); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
