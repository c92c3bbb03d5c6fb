/** Inline CSS of `summary.html`: light theme, system font, responsive grid. */
export const PAGE_STYLE = `
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #fff;
  --pos: #15803d; --neg: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.sub b { color: var(--fg); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 18px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.pos { color: var(--pos); } .neg { color: var(--neg); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart { position: relative; height: 300px; }
.chart.tall { height: 380px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: #f1f5f9; font-weight: 600; position: sticky; top: 0; }
th:first-child, td:first-child { text-align: left; }
.scroll { overflow: auto; max-height: 640px; border: 1px solid var(--line); border-radius: 8px; background: var(--card); }
.bounds { max-width: 720px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
td.text { text-align: left; }
tr.gap td { text-align: center; color: var(--muted); font-style: italic; background: #f8fafc; }
.note { color: var(--muted); font-size: 13px; }
details { margin-top: 8px; }
details table { max-width: 720px; background: var(--card); }
details td { text-align: left; white-space: normal; word-break: break-all; }
#chart-error { color: var(--neg); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
