// Counts storage round trips, in total and per request (via AsyncLocalStorage), for logs, tests and the benchmark.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestMetrics {
  storageCalls: number;
  /** Background upkeep (e.g. the change feed's retention sweep): belongs to no request and is not counted. */
  uncounted?: boolean;
  /** Background work that keeps its own count (e.g. the delivery engine's feed reads): its calls go here instead. */
  sink?: StorageCallCounter;
}

export interface StorageCallCounter {
  storageCalls: number;
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
  if (current?.uncounted) {
    if (current.sink) current.sink.storageCalls++;
    return;
  }
  total++;
  if (current) current.storageCalls++;
}

/**
 * Runs background upkeep outside any request's count (and the total), so request costs stay deterministic; with a
 * `sink`, its storage calls are counted there (the background work's own cost, e.g. per delivered event).
 */
export function runUncounted<T>(fn: () => Promise<T>, sink?: StorageCallCounter): Promise<T> {
  return requestScope.run({ storageCalls: 0, uncounted: true, sink }, fn);
}

/** Storage calls of the current request so far (0 outside a request). */
export function currentStorageCalls(): number {
  return requestScope.getStore()?.storageCalls ?? 0;
}

export function totalStorageCalls(): number {
  return total;
}
