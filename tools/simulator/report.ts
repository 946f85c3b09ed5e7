// The simulation report as a terminal summary (tables) or JSON.
import type { ChangeSummary } from './changes.js';
import type { SimulationReport } from './run.js';
import { formatInt, formatMs } from './stats.js';
import { renderTable } from './table.js';

function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses).map(([s, n]) => `${s}×${formatInt(n)}`).join(' ');
}

function changeText(c: ChangeSummary): string {
  const parts: [string, number][] = [
    ['renames', c.renames], ['edits', c.edits], ['clears', c.clears], ['manager changes', c.managerChanges],
    ['disables', c.disables], ['re-enables', c.reenables], ['joiners', c.joiners], ['deletes', c.deletes],
    ['group renames', c.groupRenames], ['group creates', c.groupCreates], ['group deletes', c.groupDeletes],
    ['members added', c.memberAdds], ['members removed', c.memberRemoves],
  ];
  return parts.map(([name, n]) => `${formatInt(n)} ${name}`).join(', ');
}

function short(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

export interface FormatOptions {
  /** Errors and mismatches listed in full (the counts are always complete). */
  maxItems?: number;
}

export function formatReport(report: SimulationReport, options: FormatOptions = {}): string {
  const maxItems = options.maxItems ?? 20;
  const out: string[] = [];
  const s = report.source;
  out.push(`Entra ID provisioning simulation against ${report.target.url}`);
  out.push(`mode ${report.target.mode} · concurrency ${report.options.concurrency} · member batch ${report.options.memberBatch} · ${report.options.cycles} incremental cycle(s) at change rate ${report.options.changeRate}`);
  const what = s.kind === 'file' ? `file ${s.file ?? ''}` : `synthetic (seed ${s.seed}${s.tag ? `, tag ${s.tag}` : ''})`;
  out.push(`source: ${what}: ${formatInt(s.users)} users (${formatInt(s.disabled)} disabled), ${formatInt(s.groups)} groups, ${formatInt(s.memberships)} memberships`);
  report.changeSets.forEach((c, i) => out.push(`changes, cycle ${i + 1}: ${changeText(c)}`));
  if (report.skippedDisabled > 0) out.push(`not created (disabled in the source, absent from the target): ${formatInt(report.skippedDisabled)}`);
  out.push('');
  const rows = report.phases.map((p) => [
    p.name, formatInt(p.requests), formatInt(p.errors), statusText(p.statuses), (p.durationMs / 1000).toFixed(1),
    formatInt(p.requestsPerSecond), formatMs(p.latency.p50), formatMs(p.latency.p95), formatMs(p.latency.p99),
  ]);
  const t = report.totals;
  rows.push(['total', formatInt(t.requests), formatInt(t.errors), statusText(t.statuses), (t.durationMs / 1000).toFixed(1), formatInt(t.requestsPerSecond), '', '', '']);
  out.push(renderTable(['Phase', 'Requests', 'Errors', 'Statuses', 'Time s', 'Req/s', 'p50 ms', 'p95 ms', 'p99 ms'], rows, { align: ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right'] }));
  out.push('');
  // Per operation, over all phases.
  const ops = new Map<string, { count: number; p50: number[]; p95: number[]; p99: number[] }>();
  for (const p of report.phases) {
    for (const [op, l] of Object.entries(p.operations)) {
      const o = ops.get(op) ?? { count: 0, p50: [], p95: [], p99: [] };
      o.count += l.count;
      o.p50.push(l.p50);
      o.p95.push(l.p95);
      o.p99.push(l.p99);
      ops.set(op, o);
    }
  }
  const opRows = [...ops.entries()].map(([op, o]) => [op, formatInt(o.count), formatMs(Math.max(...o.p50)), formatMs(Math.max(...o.p95)), formatMs(Math.max(...o.p99))]);
  out.push(renderTable(['Operation', 'Requests', 'p50 ms*', 'p95 ms*', 'p99 ms*'], opRows));
  out.push('* worst phase');
  if (report.errors.length > 0) {
    out.push('', `Errors (${formatInt(t.errors)}${t.errors > maxItems ? `, first ${maxItems}` : ''}):`);
    for (const e of report.errors.slice(0, maxItems)) {
      out.push(`  [${e.phase}] ${e.operation}: ${e.message}`);
      if (e.method) out.push(`    ${e.method} ${e.url}`);
      if (e.requestBody !== undefined) out.push(`    request: ${short(e.requestBody)}`);
      if (e.response) out.push(`    response: ${e.response.length > 300 ? `${e.response.slice(0, 300)}…` : e.response}`);
    }
  }
  if (report.mismatches.length > 0) {
    out.push('', `Mismatches (${formatInt(t.mismatches)}${t.mismatches > maxItems ? `, first ${maxItems}` : ''}):`);
    for (const m of report.mismatches.slice(0, maxItems)) {
      out.push(`  ${m.resourceType} ${m.name}${m.id ? ` (${m.id})` : ''}: ${m.attribute}: expected ${short(m.expected)}, got ${short(m.actual)}${m.message ? ` — ${m.message}` : ''}`);
    }
  }
  if (report.aborted) out.push('', report.aborted);
  out.push('', report.ok ? `Result: OK — ${formatInt(t.requests)} requests, 0 errors, 0 mismatches.` : `Result: FAILED — ${formatInt(t.errors)} error(s), ${formatInt(t.mismatches)} mismatch(es).`);
  return out.join('\n');
}
