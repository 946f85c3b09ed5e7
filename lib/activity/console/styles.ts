// The console's stylesheet (inlined in the page; allowed by its hash in the Content-Security-Policy).
export const CONSOLE_CSS = String.raw`
:root {
  --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --panel: #ffffff;
  --accent: #0b5cad; --accent-ink: #ffffff; --ok: #1a7f37; --ok-bg: #dafbe1; --warn: #9a6700; --warn-bg: #fff8c5;
  --err: #b42318; --err-bg: #ffebe9; --focus: #0b5cad;
  color-scheme: light;
}
* { box-sizing: border-box; }
/* The hidden attribute always wins: a class's display rule (header.top .session) must not show a hidden element. */
[hidden] { display: none !important; }
html { font-size: 15px; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); background: var(--bg); line-height: 1.45; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.top { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .75rem 1.5rem; background: #24292f; color: #fff; }
header.top h1 { font-size: 1.15rem; margin: 0; font-weight: 600; }
header.top .session { display: flex; gap: .75rem; align-items: center; font-size: .9rem; }
header.top button.link { color: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main:focus { outline: none; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
p { margin: .25rem 0 .75rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; background: #eff1f3; padding: 0 .25em; border-radius: 3px; }
.muted { color: var(--muted); }
.error { color: var(--err); font-weight: 500; min-height: 1.2em; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.panel.narrow { max-width: 560px; margin: 2rem auto; }
.grid { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 1rem; align-items: start; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
label, .label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .25rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; margin: .75rem 0; }
input[type=text], input[type=password], input[type=search], select {
  font: inherit; color: inherit; background: #fff; border: 1px solid #8c959f; border-radius: 6px; padding: .4rem .55rem; min-height: 2.25rem;
}
input[readonly] { background: #f6f8fa; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9rem; }
button {
  font: inherit; font-weight: 500; color: var(--ink); background: #f3f4f6; border: 1px solid #8c959f; border-radius: 6px;
  padding: .4rem .9rem; min-height: 2.25rem; cursor: pointer;
}
button:hover { background: #e7eaee; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
button.primary:hover { background: #094a8c; }
button.danger { color: var(--err); border-color: var(--err); background: #fff; }
button.danger:hover { background: var(--err-bg); }
button.danger.solid { background: var(--err); color: #fff; }
button.danger.solid:hover { background: #912018; }
button.link { background: none; border: none; padding: 0; min-height: 0; text-decoration: underline; }
button:disabled { opacity: .55; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
header.top :focus-visible { outline-color: #ffd33d; }
.field { margin: .75rem 0 1rem; }
.copy-row { display: flex; gap: .5rem; }
.copy-row input { flex: 1; min-width: 0; }
.tenant-bar { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; margin: 0 0 1rem; }
.tenant-bar label { margin: 0; }
.tenant-bar select { min-width: 22rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .8rem; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); border-color: #aceebb; }
.badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f5e0a0; }
.badge.err { color: var(--err); background: var(--err-bg); border-color: #ffc1ba; }
.new-token { border: 2px solid var(--warn); background: var(--warn-bg); border-radius: 8px; padding: .75rem 1rem; margin: .5rem 0 1rem; }
.new-token:focus { outline: 3px solid var(--focus); }
dl.stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: .5rem; margin: .5rem 0 1rem; }
dl.stats div { border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; }
dl.stats dt { font-size: .8rem; color: var(--muted); }
dl.stats dd { margin: 0; font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
dl.stats div.failure dd { color: var(--err); }
dl.stats div.success dd { color: var(--ok); }
figure { margin: 0 0 .75rem; }
svg#chart { width: 100%; height: 150px; display: block; }
svg .bar-success { fill: #2f81f7; }
svg .bar-failure { fill: #d1242f; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg text { fill: #57606a; font-size: 11px; font-family: inherit; }
.legend { display: flex; gap: 1rem; font-size: .85rem; color: var(--muted); }
.legend .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
.legend .swatch.success { background: #2f81f7; }
.legend .swatch.failure { background: #d1242f; }
.top-errors { margin: 0; padding-left: 1.1rem; }
.top-errors li { margin: .2rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin: .25rem 0 1rem; }
.filters .actions { display: flex; gap: .5rem; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e6e9ed; vertical-align: top; }
thead th { background: #f6f8fa; font-size: .8rem; text-transform: uppercase; letter-spacing: .02em; color: var(--muted); position: sticky; top: 0; }
tbody tr:last-child td { border-bottom: none; }
tbody tr.failure { background: #fff8f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.req { white-space: nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .82rem; }
td.details { max-width: 34rem; overflow-wrap: anywhere; }
td.details .scim-type { font-weight: 600; color: var(--err); }
.more-row { margin-top: .75rem; }
dialog { border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem 1.5rem; max-width: 520px; box-shadow: 0 12px 32px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(27, 31, 36, .45); }
.dialog-actions { display: flex; justify-content: flex-end; gap: .5rem; margin-top: 1rem; }
.connect-modes { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.connect-modes legend { font-size: .85rem; color: var(--muted); padding: 0 .25rem; }
#oauth-clients { padding-left: 1.1rem; }
#oauth-clients li { margin: .25rem 0; }
`;
