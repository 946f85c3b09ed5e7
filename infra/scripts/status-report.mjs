#!/usr/bin/env node
// Formats what infra/status.sh fetched from Microsoft Graph into a short report for the operator: the provisioning
// job's state, its last cycle, counts, and the recent errors from the provisioning logs.
//
// Input on stdin: {"app": {displayName, id}, "job": <synchronizationJob>, "logs": {"value": [provisioningObjectSummary]},
//                  "logsError": "<message when the logs could not be read>"}
// Output: text, or the same data condensed as JSON with --json.
//
// Graph docs:
//   job status:        https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationstatus
//   task execution:    https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationtaskexecution
//   provisioning logs: https://learn.microsoft.com/graph/api/provisioningobjectsummary-list
//                      https://learn.microsoft.com/graph/api/resources/provisioningobjectsummary
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const NEVER = '0001-01-01T00:00:00Z';

function when(value) {
  if (!value || value.startsWith('0001-01-01')) return 'never';
  return value.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function execution(e) {
  if (!e) return 'none';
  const parts = [e.state ?? 'unknown', `began ${when(e.timeBegan)}`];
  if (e.timeEnded) parts.push(`ended ${when(e.timeEnded)}`);
  if (typeof e.countExported === 'number') parts.push(`exported ${e.countExported}`);
  if (typeof e.countEscrowed === 'number' && e.countEscrowed > 0) parts.push(`escrowed ${e.countEscrowed}`);
  if (e.error?.message || e.error?.code) parts.push(`error ${e.error.code ?? ''} ${e.error.message ?? ''}`.trim());
  return parts.join(', ');
}

/** Condensed view of job + logs; the text report and --json both come from this. */
export function summarize({ app, job, logs, logsError } = {}) {
  const status = job?.status ?? {};
  const events = Array.isArray(logs?.value) ? logs.value : [];
  const byStatus = {};
  const byAction = {};
  for (const e of events) {
    const s = e.provisioningStatusInfo?.status ?? 'unknown';
    byStatus[s] = (byStatus[s] ?? 0) + 1;
    const a = e.provisioningAction ?? 'other';
    byAction[a] = (byAction[a] ?? 0) + 1;
  }
  const errors = events
    .filter((e) => ['failure', 'warning'].includes(e.provisioningStatusInfo?.status))
    .map((e) => ({
      time: e.activityDateTime,
      status: e.provisioningStatusInfo.status,
      action: e.provisioningAction,
      source: e.sourceIdentity?.displayName ?? e.sourceIdentity?.id ?? '',
      target: e.targetIdentity?.displayName ?? e.targetIdentity?.id ?? '',
      code: e.provisioningStatusInfo.errorInformation?.errorCode ?? '',
      reason: e.provisioningStatusInfo.errorInformation?.reason ?? '',
    }));
  return {
    app: app ? { displayName: app.displayName, servicePrincipalId: app.id } : undefined,
    jobId: job?.id,
    state: status.code ?? 'unknown',
    schedule: job?.schedule?.interval,
    lastCycle: status.lastExecution ?? null,
    lastSuccessfulCycle: status.lastSuccessfulExecution ?? null,
    steadyState: status.steadyStateLastAchievedTime && status.steadyStateLastAchievedTime !== NEVER ? status.steadyStateLastAchievedTime : null,
    successiveFailures: status.countSuccessiveCompleteFailures ?? 0,
    quarantine: status.quarantine ?? null,
    troubleshootingUrl: status.troubleshootingUrl ?? null,
    synchronized: Object.fromEntries((status.synchronizedEntryCountByType ?? []).map((p) => [p.key, p.value])),
    progress: status.progress ?? [],
    recent: { events: events.length, byStatus, byAction },
    errors,
    logsError: logsError || null,
  };
}

export function formatReport(input, { maxErrors = 10 } = {}) {
  const s = summarize(input);
  const lines = [];
  const row = (label, value) => lines.push(`${`${label}:`.padEnd(22)}${value}`);
  if (s.app) row('Enterprise app', `${s.app.displayName} (service principal ${s.app.servicePrincipalId})`);
  row('Provisioning job', s.jobId ?? 'none');
  row('State', `${s.state}${s.schedule ? ` (every ${s.schedule.replace(/^PT/, '').toLowerCase()})` : ''}`);
  row('Last cycle', execution(s.lastCycle));
  row('Last good cycle', execution(s.lastSuccessfulCycle));
  row('Steady state', s.steadyState ? `reached ${when(s.steadyState)}` : 'not reached yet');
  if (s.successiveFailures) row('Failed cycles in a row', String(s.successiveFailures));
  if (s.quarantine) {
    const q = s.quarantine;
    row('Quarantine', `${q.reason ?? 'yes'} since ${when(q.quarantineSince ?? q.currentBegan)}${q.error?.message ? `: ${q.error.message}` : ''}`);
  }
  const synced = Object.entries(s.synchronized);
  row('Synchronized', synced.length ? synced.map(([k, v]) => `${k}: ${v}`).join(', ') : 'nothing yet');
  if (s.troubleshootingUrl) row('Troubleshooting', s.troubleshootingUrl);
  lines.push('');
  if (s.logsError) {
    lines.push(`Provisioning logs: not available (${s.logsError})`);
  } else {
    const counts = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    lines.push(`Recent provisioning events: ${s.recent.events} (${counts(s.recent.byStatus)}; actions: ${counts(s.recent.byAction)})`);
    if (s.errors.length === 0) lines.push('No recent errors.');
    for (const e of s.errors.slice(0, maxErrors)) {
      lines.push(`  ${when(e.time)}  ${e.status.toUpperCase()}  ${e.action ?? ''} ${e.source}${e.target ? ` -> ${e.target}` : ''}`);
      if (e.code || e.reason) lines.push(`      ${[e.code, e.reason].filter(Boolean).join(': ')}`);
    }
    if (s.errors.length > maxErrors) lines.push(`  ... and ${s.errors.length - maxErrors} more`);
  }
  return `${lines.join('\n')}\n`;
}

function main(argv) {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(summarize(input), null, 2)}\n`);
  else process.stdout.write(formatReport(input));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
