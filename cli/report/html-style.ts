/** Inline CSS of the HTML report (no external stylesheet or font: the file works offline). */
export const REPORT_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #fff; --line: #d8dde3; --zebra: #f5f7f9; --accent: #0072B2; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --muted: #9aa4ae; --bg: #15181c; --line: #333a42; --zebra: #1c2026; --accent: #56B4E9; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
.muted, .empty { color: var(--muted); }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.summary dt { color: var(--muted); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: var(--bg); }
tbody tr:nth-child(even) { background: var(--zebra); }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.state-failed td.state { color: #D55E00; } tr.state-pruned td.state { color: #b08800; } tr.state-interrupted td.state { color: #CC79A7; }
tr.best td { font-weight: 600; }
.table-wrap { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1.5rem; }
svg.chart { width: 100%; height: auto; font-size: 11px; }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .axis { stroke: var(--muted); }
svg text { fill: var(--fg); } svg .tick { fill: var(--muted); } svg .chart-title { font-size: 13px; font-weight: 600; }
svg .pareto-front { fill: none; stroke: var(--fg); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg circle.pt { fill-opacity: .75; } svg circle.pareto { stroke: var(--fg); stroke-width: 1.5; fill-opacity: 1; }
svg .bar-bg { fill: var(--zebra); stroke: var(--line); }
svg.cell-graph .edge { fill: none; stroke: var(--muted); stroke-width: 1.4; } svg.cell-graph .cell-concat { fill: none; stroke: var(--muted); stroke-width: 1; stroke-dasharray: 4 3; }
svg.cell-graph .arrow-head { fill: var(--muted); } svg.cell-graph .op-bg { fill: var(--bg); fill-opacity: .85; } svg.cell-graph .op { font-size: 11px; }
svg.cell-graph .cell-node ellipse, svg.cell-graph .cell-node circle { fill: var(--zebra); stroke: var(--fg); stroke-width: 1.2; } svg.cell-graph .cell-node.intermediate circle { fill: var(--accent); fill-opacity: .18; }
svg.cell-graph .sub { font-size: 8px; }
.cells { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
pre { background: var(--zebra); padding: .8rem; overflow-x: auto; border-radius: 4px; }
details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
`;
