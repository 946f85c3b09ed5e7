// The summary of a tenant's last sync. "Last sync" = the most recent run of activity without a pause longer than
// `gapMinutes` (default 10): Entra ID sends a cycle's requests back to back and starts the next incremental cycle
// about 40 minutes later, so a pause of more than a few minutes separates two cycles. The run is read newest first
// from the activity partition and stops at the first larger pause (or after `maxEntries`, flagged `truncated`).
import type { ActivityEntry, Change } from './entry.js';

export interface OutcomeCounts {
  success: number;
  failure: number;
}

export interface ChangeCounts {
  created: number;
  updated: number;
  disabled: number;
  enabled: number;
  deleted: number;
}

export interface TimelineBucket {
  start: string;
  success: number;
  failure: number;
}

export interface ErrorGroup {
  status: number;
  scimType?: string;
  count: number;
  /** The newest example's detail, method, resource type and name. */
  example: { time: string; method: string; resourceType: string; name?: string; detail?: string };
}

export interface SyncSummary {
  /** How "last sync" was delimited. */
  definition: { gapMinutes: number; maxEntries: number };
  /** false when the tenant has no activity (in the time searched). */
  found: boolean;
  firstSeen?: string;
  lastSeen?: string;
  durationMs?: number;
  /** Activity newer than `gapMinutes` ago: the sync may still be running. */
  inProgress?: boolean;
  /** The run had more entries than `maxEntries`: counts cover its newest part. */
  truncated: boolean;
  requests: number;
  byOutcome: OutcomeCounts;
  byStatus: Record<string, number>;
  byResourceType: Record<string, OutcomeCounts>;
  byMethod: Record<string, number>;
  /** Successful writes by kind (created: POST 201; disabled/enabled: PUT/PATCH setting active false/true; deleted: DELETE). */
  changes: ChangeCounts;
  changesByResourceType: Record<string, ChangeCounts>;
  /** Failures grouped by status and scimType, most frequent first (at most 10). */
  topErrors: ErrorGroup[];
  /** Requests over time, oldest first, up to 40 buckets of a round width. */
  timeline: TimelineBucket[];
  bucketMs?: number;
}

const emptyChanges = (): ChangeCounts => ({ created: 0, updated: 0, disabled: 0, enabled: 0, deleted: 0 });
const BUCKET_SIZES_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** Summarises the newest run of `entries` (which must come newest first). */
export async function summarizeLastSync(
  entries: AsyncIterable<ActivityEntry> | Iterable<ActivityEntry>,
  options: { gapMinutes: number; maxEntries?: number; now?: number },
): Promise<SyncSummary> {
  const gapMs = options.gapMinutes * 60_000;
  const maxEntries = options.maxEntries ?? 50_000;
  const run: { time: number; entry: ActivityEntry }[] = [];
  let truncated = false;
  let previous: number | undefined;
  for await (const entry of entries) {
    const time = Date.parse(entry.time);
    if (!Number.isFinite(time)) continue;
    if (previous !== undefined && previous - time > gapMs) break;
    if (run.length >= maxEntries) {
      truncated = true;
      break;
    }
    run.push({ time, entry });
    previous = time;
  }
  const summary: SyncSummary = {
    definition: { gapMinutes: options.gapMinutes, maxEntries },
    found: run.length > 0,
    truncated,
    requests: run.length,
    byOutcome: { success: 0, failure: 0 },
    byStatus: {},
    byResourceType: {},
    byMethod: {},
    changes: emptyChanges(),
    changesByResourceType: {},
    topErrors: [],
    timeline: [],
  };
  if (run.length === 0) return summary;
  const last = run[0].time;
  const first = run[run.length - 1].time;
  summary.firstSeen = new Date(first).toISOString();
  summary.lastSeen = new Date(last).toISOString();
  summary.durationMs = last - first;
  summary.inProgress = (options.now ?? Date.now()) - last <= gapMs;

  const bucketMs = BUCKET_SIZES_MS.find((size) => (last - first) / size < 40) ?? 86_400_000 * Math.ceil((last - first) / (40 * 86_400_000));
  const origin = Math.floor(first / bucketMs) * bucketMs;
  const buckets = Array.from({ length: Math.floor((last - origin) / bucketMs) + 1 }, (_, i) => ({ start: new Date(origin + i * bucketMs).toISOString(), success: 0, failure: 0 }));
  summary.bucketMs = bucketMs;

  const errors = new Map<string, ErrorGroup>();
  for (const { time, entry } of run) {
    const failed = entry.outcome === 'failure';
    const outcome: keyof OutcomeCounts = failed ? 'failure' : 'success';
    summary.byOutcome[outcome]++;
    summary.byStatus[String(entry.status)] = (summary.byStatus[String(entry.status)] ?? 0) + 1;
    const byType = (summary.byResourceType[entry.resourceType] ??= { success: 0, failure: 0 });
    byType[outcome]++;
    summary.byMethod[entry.method] = (summary.byMethod[entry.method] ?? 0) + 1;
    buckets[Math.floor((time - origin) / bucketMs)][outcome]++;
    if (entry.change) {
      const change: Change = entry.change;
      summary.changes[change]++;
      (summary.changesByResourceType[entry.resourceType] ??= emptyChanges())[change]++;
    }
    if (failed) {
      const key = `${entry.status} ${entry.scimType ?? ''}`;
      const group = errors.get(key);
      if (group) group.count++;
      else {
        const example: ErrorGroup['example'] = { time: entry.time, method: entry.method, resourceType: entry.resourceType };
        if (entry.name) example.name = entry.name;
        if (entry.detail) example.detail = entry.detail;
        errors.set(key, { status: entry.status, ...(entry.scimType ? { scimType: entry.scimType } : {}), count: 1, example });
      }
    }
  }
  summary.topErrors = [...errors.values()].sort((a, b) => b.count - a.count || a.status - b.status).slice(0, 10);
  summary.timeline = buckets;
  return summary;
}
