/**
 * The dashboard's one stylesheet, served as a file (the Content-Security-Policy allows no
 * inline styles). Colour carries meaning and only meaning: violet is AI, blue is human, grey
 * is unknown; green passed or approved, red failed or refused, amber skipped or pending.
 * System fonts only: nothing is fetched from another host.
 */
export const STYLES = `
:root {
  --bg: #f5f6f8;
  --panel: #ffffff;
  --panel-2: #fafbfc;
  --border: #e2e5ea;
  --border-strong: #cdd2da;
  --text: #17202b;
  --muted: #5c6878;
  --faint: #8a94a3;
  --link: #2f54c9;
  --focus: #3b6cf6;
  --side: #111827;
  --side-2: #1c2535;
  --side-text: #c9d1de;
  --side-muted: #7e8a9d;

  --ai: #7c3aed;
  --ai-soft: #efe9fe;
  --ai-text: #5b21b6;
  --human: #0a84c6;
  --human-soft: #e2f2fc;
  --human-text: #075985;
  --unknown: #9aa5b4;
  --unknown-soft: #eef1f5;
  --unknown-text: #475569;

  --pass: #15803d;
  --pass-soft: #e2f6e9;
  --fail: #c0262d;
  --fail-soft: #fde8e8;
  --skip: #b45309;
  --skip-soft: #fdf1dc;

  --radius: 8px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05);
  --mono: ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace;
  --sans: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif;
}

* { box-sizing: border-box; }
html { font-size: 14px; -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text); font-family: var(--sans);
  line-height: 1.5; font-feature-settings: 'tnum' 1;
}
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
code, .mono { font-family: var(--mono); font-size: 0.92em; }
h1, h2, h3 { margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h1 { font-size: 1.6rem; line-height: 1.25; }
h2 { font-size: 1.08rem; }
h3 { font-size: 0.95rem; }
p { margin: 0 0 0.6em; }
.muted { color: var(--muted); }
.faint { color: var(--faint); }
.nowrap { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* --- frame --- */
.app {
  display: grid; grid-template-columns: 232px minmax(0, 1fr); min-height: 100vh;
  background: linear-gradient(90deg, var(--side) 232px, var(--bg) 232px);
}
.sidebar {
  background: var(--side); color: var(--side-text); display: flex; flex-direction: column;
  position: sticky; top: 0; height: 100vh; padding: 18px 12px;
}
.brand { display: flex; align-items: center; gap: 10px; color: #fff; font-weight: 700; font-size: 1.2rem; padding: 4px 10px 18px; }
.brand:hover { text-decoration: none; }
.brand svg { width: 26px; height: 26px; }
.brand small { display: block; font-size: 0.72rem; font-weight: 500; color: var(--side-muted); letter-spacing: 0.02em; }
.nav { display: flex; flex-direction: column; gap: 2px; }
.nav a {
  display: flex; align-items: center; gap: 10px; color: var(--side-text); padding: 8px 10px;
  border-radius: 6px; font-weight: 500;
}
.nav a svg { width: 18px; height: 18px; flex: none; stroke: currentColor; fill: none; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; opacity: 0.85; }
.nav a:hover { background: var(--side-2); text-decoration: none; color: #fff; }
.nav a[aria-current='page'] { background: #2a3650; color: #fff; }
/* The chosen one of a page's own views (Sessions: all, or carried by no commit). */
main p a[aria-current='page'] { color: var(--text); font-weight: 600; text-decoration: none; }
.nav .count { margin-left: auto; background: #3a4660; color: #fff; border-radius: 999px; font-size: 0.75rem; padding: 0 7px; }
.nav .count.alert { background: var(--fail); }
.side-foot { margin-top: auto; border-top: 1px solid #263044; padding: 14px 10px 0; font-size: 0.86rem; }
.side-foot .who { color: #fff; font-weight: 600; overflow-wrap: anywhere; }
.side-foot .role { display: inline-block; margin-top: 2px; color: var(--side-muted); }
.side-foot form { margin-top: 10px; }
.side-foot button {
  width: 100%; background: transparent; color: var(--side-text); border: 1px solid #34405a;
  border-radius: 6px; padding: 6px 10px; font: inherit; cursor: pointer;
}
.side-foot button:hover { background: var(--side-2); color: #fff; }

.main { padding: 26px 32px 60px; min-width: 0; max-width: 1480px; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 24px; margin-bottom: 20px; }
.page-head .sub { color: var(--muted); margin: 6px 0 0; max-width: 80ch; }
.crumbs { color: var(--muted); font-size: 0.86rem; margin-bottom: 6px; }
.crumbs a { color: var(--muted); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.actions select, .actions input { width: auto; }
.page-head > .actions { flex: none; }
form.actions { flex-wrap: nowrap; }
.filters .actions { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; }
.filters .actions .btn { justify-content: center; padding: 6px 8px; }

/* --- panels --- */
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); margin-bottom: 18px; }
.panel > header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 4px 12px; padding: 14px 18px 0; }
.panel > header .hint { color: var(--muted); font-size: 0.86rem; }
.panel .body { padding: 12px 18px 16px; }
.panel .body.flush { padding: 8px 0 4px; }
.panel .empty { color: var(--muted); padding: 14px 18px 18px; }
.grid { display: grid; gap: 18px; align-items: start; }
.grid.two { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.grid.main-side { grid-template-columns: minmax(0, 1.65fr) minmax(0, 1fr); }
.grid > .panel { margin-bottom: 0; }
.stack > * + * { margin-top: 18px; }
.stack > .panel { margin-bottom: 0; }
.stack-gap { height: 18px; }
hr { border: none; border-top: 1px solid var(--border); margin: 14px 0; }

.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 14px; margin-bottom: 18px; }
.kpi { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; box-shadow: var(--shadow); }
.kpi .label { color: var(--muted); font-size: 0.82rem; font-weight: 550; text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 1.75rem; font-weight: 650; margin-top: 4px; line-height: 1.2; }
.kpi .note { color: var(--muted); font-size: 0.86rem; margin-top: 4px; }
.kpi.ai .value { color: var(--ai-text); }
.kpi.warn .value { color: var(--skip); }
.kpi.bad .value { color: var(--fail); }
.kpi.good .value { color: var(--pass); }

/* --- tables --- */
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 12px; vertical-align: top; border-bottom: 1px solid var(--border); }
th { font-size: 0.78rem; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; background: var(--panel-2); white-space: nowrap; }
tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #f8f9fc; }
td.summary { max-width: 480px; min-width: 240px; }
td.summary a { color: var(--text); font-weight: 550; }
td.summary .meta { color: var(--muted); font-size: 0.86rem; }
th:first-child, td:first-child { padding-left: 18px; }
th:last-child, td:last-child { padding-right: 18px; }
time.stamp { white-space: nowrap; }
time.stamp span { display: block; color: var(--faint); font-size: 0.84rem; }
.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 6px 18px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }

/* --- badges --- */
.badge {
  display: inline-flex; align-items: center; gap: 6px; border-radius: 999px; padding: 1px 9px;
  font-size: 0.8rem; font-weight: 600; white-space: nowrap; border: 1px solid transparent; line-height: 1.6;
}
.badge::before { content: ''; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.badge.plain::before { display: none; }
.badge.pass { color: var(--pass); background: var(--pass-soft); }
.badge.fail { color: var(--fail); background: var(--fail-soft); }
.badge.skip { color: var(--skip); background: var(--skip-soft); }
.badge.none { color: var(--unknown-text); background: var(--unknown-soft); }
.badge.ai { color: var(--ai-text); background: var(--ai-soft); }
.badge.human { color: var(--human-text); background: var(--human-soft); }
.badge.unknown { color: var(--unknown-text); background: var(--unknown-soft); }
.badge.big { font-size: 0.88rem; padding: 3px 12px; }
.tag { display: inline-block; border: 1px solid var(--border); border-radius: 4px; padding: 0 6px; font-size: 0.78rem; color: var(--muted); background: var(--panel-2); white-space: nowrap; }
.prov { font-size: 0.74rem; color: var(--faint); border: 1px dashed var(--border-strong); border-radius: 4px; padding: 0 5px; white-space: nowrap; }
.sev-critical, .sev-high { color: var(--fail); background: var(--fail-soft); }
.sev-medium { color: var(--skip); background: var(--skip-soft); }
.sev-low { color: var(--unknown-text); background: var(--unknown-soft); }

/* --- origin colours --- */
.fill-ai { fill: var(--ai); }
.fill-human { fill: var(--human); }
.fill-unknown { fill: var(--unknown); }
.fill-empty { fill: #eef0f4; }
.fill-grid { stroke: #e6e9ee; stroke-width: 1; }
.originbar { display: inline-flex; align-items: center; gap: 8px; white-space: nowrap; }
.originbar svg { width: 96px; height: 8px; border-radius: 4px; overflow: hidden; background: #eef0f4; flex: none; }
.legend { display: flex; gap: 16px; flex-wrap: wrap; color: var(--muted); font-size: 0.86rem; }
.legend span::before { content: ''; display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.legend .ai::before { background: var(--ai); }
.legend .human::before { background: var(--human); }
.legend .unknown::before { background: var(--unknown); }

/* --- chart --- */
.chart { width: 100%; height: auto; display: block; }
.chart text { font-family: var(--sans); font-size: 11px; fill: var(--muted); }
.chart .share { font-size: 11.5px; font-weight: 650; fill: var(--ai-text); }
.chart .axis { stroke: #e6e9ee; }

/* --- forms --- */
.filters { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 10px 12px; align-items: end; }
.filters .wide { grid-column: span 2; }
.field label { display: block; font-size: 0.78rem; font-weight: 600; color: var(--muted); margin-bottom: 3px; text-transform: uppercase; letter-spacing: 0.03em; }
input[type='text'], input[type='search'], input[type='date'], input[type='password'], select {
  width: 100%; font: inherit; color: var(--text); background: #fff; border: 1px solid var(--border-strong);
  border-radius: 6px; padding: 6px 9px;
  /* One height for every kind: Chromium draws a date field taller, which set its label above the others'. */
  height: 36px;
}
input:focus, select:focus { outline: 2px solid rgba(59, 108, 246, 0.35); border-color: var(--focus); }
.btn {
  display: inline-flex; align-items: center; gap: 6px; font: inherit; font-weight: 600; border-radius: 6px;
  padding: 6px 14px; min-height: 36px; border: 1px solid var(--border-strong); background: #fff; color: var(--text); cursor: pointer;
}
.btn:hover { background: #f3f5f8; text-decoration: none; }
.btn.primary { background: #2f54c9; border-color: #2a4bb5; color: #fff; }
.btn.primary:hover { background: #2848ad; }
.btn.small { padding: 2px 10px; min-height: 28px; font-size: 0.86rem; }
.btn[aria-disabled='true'] { opacity: 0.45; pointer-events: none; }
.btn svg { width: 15px; height: 15px; stroke: currentColor; fill: none; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.chips { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 10px; }
.chip { border: 1px solid var(--border); background: var(--panel-2); border-radius: 999px; padding: 1px 10px; font-size: 0.84rem; color: var(--muted); }
.chip b { color: var(--text); font-weight: 600; }
.chip.zero { opacity: 0.6; }

/* --- notices --- */
.notice { border-radius: var(--radius); padding: 12px 16px; margin-bottom: 18px; border: 1px solid; }
.notice.bad { background: var(--fail-soft); border-color: #f5c2c4; color: #7f1d1d; }
.notice.warn { background: var(--skip-soft); border-color: #f3d9a6; color: #78350f; }
.notice.good { background: var(--pass-soft); border-color: #b7e4c7; color: #14532d; }
.notice.info { background: #eef3ff; border-color: #cfdcff; color: #1e3a8a; }
.notice strong { display: block; margin-bottom: 2px; }

/* --- checkpoint page --- */
.facts { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin-bottom: 18px; }
.fact { background: var(--panel); border: 1px solid var(--border); border-left-width: 4px; border-radius: var(--radius); padding: 10px 14px; box-shadow: var(--shadow); min-width: 0; }
.fact .label { color: var(--muted); font-size: 0.76rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.fact .value { font-weight: 650; margin-top: 2px; }
.fact .note { color: var(--muted); font-size: 0.84rem; overflow-wrap: anywhere; }
.fact.pass { border-left-color: var(--pass); }
.fact.fail { border-left-color: var(--fail); }
.fact.skip { border-left-color: var(--skip); }
.fact.none { border-left-color: var(--unknown); }
.fact.ai { border-left-color: var(--ai); }
.idline { display: flex; flex-wrap: wrap; gap: 8px 18px; color: var(--muted); font-size: 0.9rem; margin-top: 8px; }
.idline code { color: var(--text); }
.idline .btn.small, .kv .btn.small { min-height: 22px; padding: 0 7px; font-size: 0.74rem; font-weight: 600; margin-left: 4px; vertical-align: 1px; }
.panel h3 { margin: 18px 0 8px; }
.panel .body > h3:first-child { margin-top: 4px; }
td code, .model { white-space: nowrap; }
.prose { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font-family: var(--sans); font-size: 0.98rem; line-height: 1.55; }
.quote { background: var(--panel-2); border: 1px solid var(--border); border-left: 3px solid var(--ai); border-radius: 6px; padding: 10px 14px; }
.quote + .quote { margin-top: 10px; }
.quote .by { color: var(--muted); font-size: 0.82rem; margin-top: 6px; }
pre.out { background: #0f172a; color: #e2e8f0; border-radius: 6px; padding: 10px 12px; font-family: var(--mono); font-size: 0.82rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 260px; overflow: auto; margin: 6px 0 0; }
details > summary { cursor: pointer; color: var(--link); font-size: 0.88rem; }
ol.trace { margin: 0; padding: 0; list-style: none; counter-reset: step; }
ol.trace li { position: relative; padding: 0 0 14px 38px; counter-increment: step; }
ol.trace li::before {
  content: counter(step); position: absolute; left: 0; top: 0; width: 24px; height: 24px; border-radius: 50%;
  background: var(--ai-soft); color: var(--ai-text); font-weight: 700; font-size: 0.8rem; display: grid; place-items: center;
}
ol.trace li::after { content: ''; position: absolute; left: 11.5px; top: 26px; bottom: 2px; width: 1px; background: var(--border); }
ol.trace li:last-child::after { display: none; }
ol.trace .when { color: var(--faint); font-size: 0.8rem; }
.items { margin: 0; padding: 0; list-style: none; }
.items li { padding: 8px 0; border-bottom: 1px solid var(--border); }
.items li:last-child { border-bottom: none; }
.items .why { color: var(--muted); }
.section-nav { display: flex; gap: 6px; flex-wrap: wrap; margin: -4px 0 18px; }
.section-nav a { border: 1px solid var(--border); background: #fff; border-radius: 999px; padding: 2px 11px; font-size: 0.86rem; color: var(--muted); }
.section-nav a:hover { color: var(--text); text-decoration: none; border-color: var(--border-strong); }

.file { border-top: 1px solid var(--border); padding: 12px 18px 14px; }
.file:first-child { border-top: none; }
.file-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
.file-head .path { font-family: var(--mono); font-weight: 600; overflow-wrap: anywhere; }
.file-head .stats { display: flex; gap: 12px; align-items: center; color: var(--muted); font-size: 0.88rem; }
.added { color: var(--pass); font-weight: 600; }
.removed { color: var(--fail); font-weight: 600; }
.strip { width: 100%; height: 12px; display: block; margin: 10px 0 8px; border-radius: 3px; overflow: hidden; }
table.ranges td, table.ranges th { padding-top: 5px; padding-bottom: 5px; }
table.ranges tr.ai td:first-child { box-shadow: inset 4px 0 0 var(--ai); }
table.ranges tr.human td:first-child { box-shadow: inset 4px 0 0 var(--human); }
table.ranges tr.unknown td:first-child { box-shadow: inset 4px 0 0 var(--unknown); }
table.ranges { table-layout: fixed; }
table.ranges th:nth-child(1) { width: 130px; }
table.ranges th:nth-child(2) { width: 80px; }
table.ranges th:nth-child(3) { width: 120px; }
table.ranges td.lines { font-family: var(--mono); white-space: nowrap; }

/* --- sign-in --- */
.signin { min-height: 100vh; display: grid; place-items: center; padding: 24px; background: linear-gradient(180deg, #111827 0, #111827 42%, var(--bg) 42%); }
.signin .card { width: 100%; max-width: 420px; background: #fff; border: 1px solid var(--border); border-radius: 12px; padding: 30px 30px 24px; box-shadow: 0 12px 32px rgba(15, 23, 42, 0.16); }
.signin .brand { color: var(--text); padding: 0 0 18px; }
.signin h1 { font-size: 1.3rem; margin-bottom: 6px; }
.signin form { margin-top: 18px; display: grid; gap: 14px; }
.signin .btn { width: 100%; justify-content: center; min-height: 38px; }
.signin .hint { color: var(--muted); font-size: 0.86rem; margin-top: 16px; }

.pager { display: flex; justify-content: space-between; align-items: center; padding: 10px 18px; border-top: 1px solid var(--border); color: var(--muted); }
.report-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
.report { border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; background: var(--panel); display: flex; flex-direction: column; gap: 8px; }
.report p { color: var(--muted); margin: 0; }
.report .formats { display: flex; gap: 6px; flex-wrap: wrap; margin-top: auto; }

@media (max-width: 1100px) {
  .app { grid-template-columns: 200px minmax(0, 1fr); background: linear-gradient(90deg, var(--side) 200px, var(--bg) 200px); }
  .main { padding: 20px; }
  .kpis, .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .grid.two, .grid.main-side, .report-grid { grid-template-columns: minmax(0, 1fr); }
  .filters { grid-template-columns: repeat(3, minmax(0, 1fr)); }
}

/* A phone or a narrow window beside the code: the sidebar becomes a bar above the page, and
   nothing is wider than the screen (wide tables scroll in their own panel). */
@media (max-width: 760px) {
  .app { grid-template-columns: minmax(0, 1fr); background: var(--bg); }
  .sidebar {
    position: static; height: auto; flex-direction: row; flex-wrap: wrap; align-items: center;
    gap: 6px 10px; padding: 10px 12px;
  }
  .brand { padding: 2px 6px; font-size: 1.05rem; }
  .brand small { display: none; }
  .nav { flex-direction: row; flex-wrap: wrap; gap: 2px 4px; order: 3; width: 100%; }
  .nav a { padding: 6px 8px; }
  .side-foot { margin: 0 0 0 auto; border-top: 0; padding: 0; display: flex; align-items: center; gap: 10px; min-width: 0; }
  .side-foot .role { display: none; }
  .side-foot form { margin: 0; }
  .side-foot button { width: auto; }
  .main { padding: 16px 12px 40px; }
  .page-head { flex-direction: column; align-items: stretch; gap: 12px; }
  .page-head > .actions { flex: 1 1 auto; }
  form.actions { flex-wrap: wrap; }
  .filters { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 480px) {
  .kpis, .facts { grid-template-columns: minmax(0, 1fr); }
}
`;
