// Records activity without ever slowing or failing a SCIM request: record() only builds the entry and queues it
// (bounded: beyond `queueMax` entries are dropped and counted); the queue is written in the background after at most
// `flushMs` (sooner once 100 entries wait), one transaction per 100 entries of a tenant. A failed write is logged
// (rate-limited) and counted, its entries dropped: activity is diagnostics, the SCIM data never depends on it.
// Retention: after writing a tenant's entries, at most every `sweepMinutes` per instance, its entries older than
// `retentionDays` are deleted by range reads that start at the retention boundary, in a bounded number of rounds.
import { insideFunctionsWorker } from '../http/register.js';
import azureFunctions from '@azure/functions';
import type { ActivityConfig } from './config.js';
import { type ActivityStore, MAX_BATCH } from './activity-store.js';
import { toStoredEntry, type RequestOutcome, type StoredEntry } from './entry.js';
import { activityRowKey } from './keys.js';

export interface ActivityStats {
  /** Entries accepted into the queue. */
  recorded: number;
  /** Entries written to storage. */
  written: number;
  /** Entries dropped because the queue was full. */
  dropped: number;
  /** Entries lost to failed writes (or that could not be built). */
  failed: number;
  /** Entries deleted by retention sweeps. */
  swept: number;
  /** Entries waiting in memory now. */
  queued: number;
}

export type ActivityLogger = (event: Record<string, unknown>) => void;

const defaultLogger: ActivityLogger = (event) => console.error(JSON.stringify(event));

interface Pending {
  tenant: string;
  rowKey: string;
  entry: StoredEntry;
}

/** Every live log, flushed when the process is about to exit. */
const live = new Set<ActivityLog>();
let exitHookInstalled = false;

/** Writes what every live log holds. */
export async function flushAllActivity(): Promise<void> {
  await Promise.all([...live].map((log) => log.flush()));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // beforeExit fires when the event loop runs dry (the flush timer is unref'd): the flush keeps the process alive until
  // it is written, then beforeExit fires again with nothing left to do.
  process.on('beforeExit', () => {
    for (const log of live) if (log.pendingCount() > 0) void log.flush();
  });
  // In Azure, the worker is told when the host shuts it down (scale-in, restart, deployment): write what is queued.
  // (@azure/functions is CommonJS: only its default export works from ES modules.)
  if (insideFunctionsWorker()) azureFunctions.app.hook.appTerminate(() => flushAllActivity());
}

export class ActivityLog {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private readonly sweeps = new Map<string, { at: number; writtenSince: number }>();
  private readonly counters = { recorded: 0, written: 0, dropped: 0, failed: 0, swept: 0 };
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly store: ActivityStore,
    readonly config: ActivityConfig,
    private readonly logger: ActivityLogger = defaultLogger,
    private readonly now: () => number = Date.now,
  ) {
    live.add(this);
    installExitHook();
  }

  /** Queues the entry for a request. Never throws, never waits. */
  record(outcome: RequestOutcome): void {
    if (!this.config.enabled) return;
    try {
      if (this.queue.length >= this.config.queueMax) {
        this.counters.dropped++;
        this.warn('activity.dropped', { reason: 'queue full', queueMax: this.config.queueMax, dropped: this.counters.dropped });
        return;
      }
      this.queue.push({ tenant: outcome.tenant, rowKey: activityRowKey(outcome.startedAt), entry: toStoredEntry(outcome) });
      this.counters.recorded++;
      this.schedule();
    } catch (error) {
      this.counters.failed++;
      this.warn('activity.record-failed', { error: describe(error) });
    }
  }

  pendingCount(): number {
    return this.queue.length;
  }

  stats(): ActivityStats {
    return { ...this.counters, queued: this.queue.length };
  }

  /** Writes everything queued so far (and whatever arrives while it writes). Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
    return this.flushing;
  }

  /** Stops the timers (tests); queued entries stay queued. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    live.delete(this);
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush picks new entries up before it ends
    if (this.queue.length >= MAX_BATCH) {
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        void this.flush();
      });
      this.soon.unref();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.config.flushMs);
      this.timer.unref();
    }
  }

  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const byTenant = new Map<string, Pending[]>();
      for (const item of batch) {
        let list = byTenant.get(item.tenant);
        if (!list) byTenant.set(item.tenant, (list = []));
        list.push(item);
      }
      for (const [tenant, items] of byTenant) {
        for (let i = 0; i < items.length; i += MAX_BATCH) {
          const chunk = items.slice(i, i + MAX_BATCH);
          try {
            await this.store.write(tenant, chunk);
            this.counters.written += chunk.length;
          } catch (error) {
            this.counters.failed += chunk.length;
            this.warn('activity.write-failed', { tenant, entries: chunk.length, failedTotal: this.counters.failed, error: describe(error) });
          }
        }
        await this.maybeSweep(tenant, items.length);
      }
    }
  }

  private async maybeSweep(tenant: string, written: number): Promise<void> {
    const now = this.now();
    const state = this.sweeps.get(tenant) ?? { at: 0, writtenSince: 0 };
    state.writtenSince += written;
    this.sweeps.set(tenant, state);
    if (now - state.at < this.config.sweepMinutes * 60_000) return;
    // Deletes a little more than was written since the last sweep: the partition shrinks back to the retention window
    // even after a burst, and a sweep stays bounded.
    const budget = 1000 + 2 * state.writtenSince;
    this.sweeps.set(tenant, { at: now, writtenSince: 0 });
    try {
      this.counters.swept += await this.store.sweep(tenant, now - this.config.retentionDays * 86_400_000, budget);
    } catch (error) {
      this.warn('activity.sweep-failed', { tenant, error: describe(error) });
    }
  }

  /** Logs an event at most once a minute per kind, with how many were suppressed meanwhile. */
  private warn(event: string, fields: Record<string, unknown>): void {
    const now = this.now();
    const last = this.lastLogged.get(event);
    if (last && now - last.at < 60_000) {
      last.suppressed++;
      return;
    }
    this.lastLogged.set(event, { at: now, suppressed: 0 });
    try {
      this.logger({ event, ...fields, ...(last && last.suppressed > 0 ? { suppressedSinceLast: last.suppressed } : {}) });
    } catch {
      // A logger that throws must not take the request or the flush down with it.
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && error.code !== undefined ? `[${String(error.code)}] ` : '';
    const status = 'statusCode' in error && error.statusCode !== undefined ? ` (HTTP ${String(error.statusCode)})` : '';
    return `${code}${error.name}: ${error.message.split('\n')[0].slice(0, 300)}${status}`;
  }
  return String(error);
}
