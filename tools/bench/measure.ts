// Closed-loop load: `concurrency` workers repeat an operation until a deadline (or a count), recording latencies.
import { Samples, summarize, type LatencySummary } from '../simulator/stats.js';

export interface LoadResult {
  operations: number;
  errors: number;
  durationMs: number;
  perSecond: number;
  latency: LatencySummary;
  /** First error message, if any. */
  firstError?: string;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop starting new operations after this long. */
  seconds?: number;
  /** Or after this many operations. */
  count?: number;
}

/** `op(i)` resolves true for success; a throw or false counts as an error. */
export async function closedLoop(options: LoadOptions, op: (i: number) => Promise<boolean | void>): Promise<LoadResult> {
  const samples = new Samples();
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const deadline = options.seconds !== undefined ? begin + options.seconds * 1000 : Number.POSITIVE_INFINITY;
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  const worker = async (): Promise<void> => {
    while (started < limit && performance.now() < deadline) {
      const i = started++;
      const t0 = performance.now();
      try {
        const ok = await op(i);
        if (ok === false) {
          errors++;
          firstError ??= `operation ${i} failed`;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      samples.add(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const durationMs = performance.now() - begin;
  return { operations: samples.count, errors, durationMs, perSecond: samples.count / (durationMs / 1000), latency: summarize(samples), ...(firstError ? { firstError } : {}) };
}

/** Runs `fn` over `items` with bounded concurrency (for seeding). */
export async function forEachLimit<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
