// The HTTP edge's hook into the activity log (lib/http/edge.ts): queue the entry once the response exists — after
// the handler has returned it, never in its way.
import type { ActivityLog } from './activity-log.js';
import type { RequestOutcome } from './entry.js';

/** Queues the activity entry (in a microtask, after the handler returns). Never throws. */
export function recordActivity(activity: ActivityLog, outcome: RequestOutcome): void {
  queueMicrotask(() => activity.record(outcome));
}
