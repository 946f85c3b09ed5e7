// Records activity without ever slowing or failing a SCIM request: record() only builds the entry and queues it
// (bounded: beyond `queueMax` entries are dropped and counted); the queue is written in the background after at most
// `flushMs` (sooner once 100 entries wait; a tenant's last few at most twice that). A background flush is one pass over
// what is queued when it starts: full transactions of 100 entries of a tenant, plus a tenant's remainder once its
// oldest entry has waited `flushMs` —
// so under load every transaction carries ~100 entries instead of the few that arrived during the previous write
// (each transaction costs the storage service about as much whatever it carries). A failed transaction is retried
// once, by the next flush; failing again, it is logged (rate-limited) and counted, its entries dropped: activity is
// diagnostics, the SCIM data never depends on it.
// Retention: after writing a tenant's entries, at most every `sweepMinutes` per instance, its entries older than
// `retentionDays` are deleted by range reads that start at the retention boundary, in a bounded number of rounds
// (at most MAX_SWEEP_ROWS entries per sweep).
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
  /** When it was queued (ms, the log's clock). */
  queuedAt: number;
  /** Its transaction failed once already: the next failure drops it. */
  retried?: boolean;
}

/** Most entries one retention sweep of a tenant deletes (100 per round: a range read and a transaction). */
export const MAX_SWEEP_ROWS = 5_000;

/** Every live log, flushed when the process is about to exit (the hooks are lib/http/app-setup.ts's). */
const live = new Set<ActivityLog>();

/** Writes what every live log holds. */
export async function flushAllActivity(): Promise<void> {
  await Promise.all([...live].map((log) => log.flush()));
}

/** Starts writing what the logs hold, if anything (at process exit: starting no work when there is none). */
export function flushPendingActivity(): void {
  for (const log of live) if (log.pendingCount() > 0) void log.flush();
}

export class ActivityLog {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private flushingEverything = false;
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
      this.queue.push({ tenant: outcome.tenant, rowKey: activityRowKey(outcome.startedAt), entry: toStoredEntry(outcome), queuedAt: this.now() });
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
    return this.run(true);
  }

  /** One flush at a time: `everything` (explicit flushes, exit) or one background pass. */
  private run(everything: boolean): Promise<void> {
    // An explicit flush during a background pass waits for it, then writes the rest.
    if (everything && this.flushing && !this.flushingEverything) return this.flushing.then(() => this.run(true));
    if (!this.flushing) this.flushingEverything = everything;
    this.flushing ??= this.drain(everything).then(
      (progressed) => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule(progressed);
      },
      () => {
        this.flushing = undefined; // drain does not throw; a bug there must not stop the log
        if (this.queue.length > 0) this.schedule(false);
      },
    );
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

  /** `soon`: a pass may start right away when 100 entries wait (not after a pass that could write none of them). */
  private schedule(soon = true): void {
    if (this.flushing) return; // the running flush schedules what arrived meanwhile when it ends
    if (soon && this.queue.length >= MAX_BATCH) {
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        void this.run(false);
      });
      this.soon.unref();
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.run(false);
      }, this.config.flushMs);
      this.timer.unref();
    }
  }

  /** Returns whether it wrote (or gave up on) any entry. */
  private async drain(everything: boolean): Promise<boolean> {
    let progressed = false;
    // A background pass leaves the timer armed: the partial transactions it defers are written when it fires.
    if (everything && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    do {
      const batch = this.queue;
      this.queue = [];
      const byTenant = new Map<string, Pending[]>();
      for (const item of batch) {
        let list = byTenant.get(item.tenant);
        if (!list) byTenant.set(item.tenant, (list = []));
        list.push(item);
      }
      const due = this.now() - this.config.flushMs;
      for (const [tenant, items] of byTenant) {
        let written = 0;
        for (let i = 0; i < items.length; i += MAX_BATCH) {
          const chunk = items.slice(i, i + MAX_BATCH);
          // A partial transaction waits for more entries, unless its oldest has waited long enough.
          if (!everything && chunk.length < MAX_BATCH && Math.min(...chunk.map((p) => p.queuedAt)) > due) {
            this.queue.push(...chunk);
            break;
          }
          try {
            await this.store.write(tenant, chunk);
            this.counters.written += chunk.length;
            written += chunk.length;
          } catch (error) {
            this.failed(tenant, chunk, error);
          }
          progressed = true;
        }
        if (written > 0) await this.maybeSweep(tenant, written);
      }
    } while (everything && this.queue.length > 0);
    return progressed;
  }

  /** A failed transaction: its entries are queued once more (for the next flush), or dropped if they were already. */
  private failed(tenant: string, chunk: Pending[], error: unknown): void {
    const retry = chunk.filter((p) => !p.retried);
    const dropped = chunk.length - retry.length;
    for (const p of retry) p.retried = true;
    // Ahead of newer entries, within the queue's bound (what does not fit is dropped like any overflow).
    const room = Math.max(0, this.config.queueMax - this.queue.length);
    this.queue.unshift(...retry.slice(0, room));
    const lost = dropped + Math.max(0, retry.length - room);
    if (lost === 0) return;
    this.counters.failed += lost;
    this.warn('activity.write-failed', { tenant, entries: lost, failedTotal: this.counters.failed, error: describe(error) });
  }

  private async maybeSweep(tenant: string, written: number): Promise<void> {
    const now = this.now();
    const state = this.sweeps.get(tenant) ?? { at: 0, writtenSince: 0 };
    state.writtenSince += written;
    this.sweeps.set(tenant, state);
    if (now - state.at < this.config.sweepMinutes * 60_000) return;
    // Deletes a little more than was written since the last sweep: the partition shrinks back to the retention window
    // even after a burst, and a sweep stays bounded.
    const budget = Math.min(MAX_SWEEP_ROWS, 1000 + 2 * state.writtenSince);
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
