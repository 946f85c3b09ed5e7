// Counts storage round trips, in total and per request (via AsyncLocalStorage), for logs, tests and the benchmark.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestMetrics {
  storageCalls: number;
  /** Background upkeep (e.g. the change feed's retention sweep): belongs to no request and is not counted. */
  uncounted?: boolean;
}

const requestScope = new AsyncLocalStorage<RequestMetrics>();
let total = 0;

/** Runs `fn` with a fresh per-request counter and returns both its result and the counter. */
export async function withRequestMetrics<T>(fn: () => Promise<T>): Promise<{ result: T; metrics: RequestMetrics }> {
  const metrics: RequestMetrics = { storageCalls: 0 };
  const result = await requestScope.run(metrics, fn);
  return { result, metrics };
}

export function countStorageCall(): void {
  const current = requestScope.getStore();
  if (current?.uncounted) return;
  total++;
  if (current) current.storageCalls++;
}

/** Runs background upkeep outside any request's count (and the total), so request costs stay deterministic. */
export function runUncounted<T>(fn: () => Promise<T>): Promise<T> {
  return requestScope.run({ storageCalls: 0, uncounted: true }, fn);
}

/** Storage calls of the current request so far (0 outside a request). */
export function currentStorageCalls(): number {
  return requestScope.getStore()?.storageCalls ?? 0;
}

export function totalStorageCalls(): number {
  return total;
}
