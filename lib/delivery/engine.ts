// The delivery engine: drains the change feed into every subscription, at least once and in feed order per stream
// (a stream is one subscription's events of one tenant).
//
// Why it is safe with many instances and restarts:
// - A stream is worked on by one instance at a time: the instance takes its lease by an ETag-guarded write of the
//   stream row, and every later write (each carries the lease forward) is guarded by the ETag of the previous one. An
//   instance that stalls past its lease cannot write again; another one takes over.
// - Attempts' outcomes and the stream's progress are one transaction (store.ts), per batch of up to 24 attempts: an
//   event is either still ahead of the stream or recorded. A crash between sending and recording means the batch's
//   events are sent again, with the same webhook-ids (at least once; receivers deduplicate by them) — never lost.
// - Under a burst the cost per event is the send alone: one stream write per batch (written while the next events go
//   out), one feed page read per 100 events (read ahead), and the engine's storage calls go through a gate (gate.ts)
//   that bounds them per instance, so what a backlog asks of storage stays bounded next to the SCIM requests.
// - Order: a stream sends nothing after an event until that event is delivered or has failed for good (the head
//   waits for its retry). One stream's failing endpoint never holds up another stream: each runs on its own, and a
//   tick does not wait for slow ones.
import { randomUUID } from 'node:crypto';
import type { DeliveryConfig } from './config.js';
import type { CloudEvent, FeedPage, FeedReader } from './feed.js';
import { LeaseLostError, type DeliveryRecord, type DeliveryStore, type RecordWrite, type StreamState, type Subscription } from './store.js';
import { StorageGate } from './gate.js';
import { WEBHOOK_TIMEOUT_MS, type AttemptOutcome } from './webhook-sender.js';

export interface Senders {
  webhook(target: { url: string; secret: string }, eventId: string, body: string): Promise<AttemptOutcome>;
  queue(name: string, body: string): Promise<AttemptOutcome>;
}

export interface EngineOptions {
  store: DeliveryStore;
  feed: FeedReader;
  senders: Senders;
  config: Pick<DeliveryConfig, 'retrySchedule' | 'leaseSeconds'> & Partial<Pick<DeliveryConfig, 'retentionDays'>>;
  /** This instance's name in leases. */
  owner?: string;
  now?: () => number;
  /** Events read from the feed at once. */
  pageSize?: number;
  /** How long one stream is worked on before it lets go (and the next tick picks it up again). */
  runBudgetMs?: number;
  /** Streams worked on at once by this instance. */
  maxWorkers?: number;
  /**
   * After its last event, a stream keeps its lease and polls the feed this long (every pollMs) before letting go: a
   * busy stream's next event goes out within pollMs instead of waiting for the next tick. 0: let go at once.
   */
  lingerMs?: number;
  pollMs?: number;
  log?: (message: string) => void;
  /** Bounds and paces this instance's storage calls (gate.ts); default: 2 in flight, resting a fifth of each call's time. */
  gate?: StorageGate;
}

export interface TickReport {
  subscriptions: number;
  /** Streams still being worked on when the tick returned. */
  running: number;
}

/** What one engine did: stream runs (leases taken), feed page reads, stream writes, attempts and deliveries. */
export interface EngineStats {
  runs: number;
  feedReads: number;
  commits: number;
  attempts: number;
  delivered: number;
  /** Time spent in sends (webhook requests, queue messages), summed over streams: the rest of a run is storage. */
  sendMs: number;
}

const MAX_ERROR_CHARS = 300;
/**
 * One batch's transaction: the stream row plus, per new record, the record and its index row — 24 new records, half
 * the 100-action limit, so that one write never holds the storage long (SCIM requests wait behind it) — and the
 * events' JSON well under the 4 MiB payload limit.
 */
const MAX_BATCH_ACTIONS = 49;
const MAX_BATCH_CHARS = 1_000_000;

/** Seconds before the next attempt after `attempts` failed ones, or undefined when the schedule is exhausted. */
export function retryDelaySeconds(schedule: number[], attempts: number): number | undefined {
  return attempts >= 1 && attempts <= schedule.length ? schedule[attempts - 1] : undefined;
}

/** Applies one attempt's outcome to the record; returns when to try again (epoch ms), if at all. */
export function applyOutcome(record: DeliveryRecord, outcome: AttemptOutcome, schedule: number[], at: number): number | undefined {
  record.attempts += 1;
  record.lastStatusCode = outcome.statusCode;
  record.lastError = outcome.ok ? undefined : (outcome.error ?? 'failed').slice(0, MAX_ERROR_CHARS);
  record.nextAttemptAt = undefined;
  if (outcome.ok) {
    record.status = 'delivered';
    record.deliveredAt = new Date(at).toISOString();
    return undefined;
  }
  const delay = outcome.permanent ? undefined : retryDelaySeconds(schedule, record.attempts);
  if (delay === undefined) {
    record.status = 'failed';
    return undefined;
  }
  record.status = 'pending';
  const next = at + delay * 1000;
  record.nextAttemptAt = new Date(next).toISOString();
  return next;
}

export function matches(subscription: Subscription, event: CloudEvent): boolean {
  if (subscription.types && !subscription.types.includes(event.type)) return false;
  // A subscription receives the changes made after it was created, not the feed's retained history.
  return !(Date.parse(event.time) < Date.parse(subscription.created));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class DeliveryEngine {
  readonly owner: string;
  private readonly running = new Map<string, Promise<void>>();
  private readonly lastSweep = new Map<string, number>();
  private readonly now: () => number;
  private readonly pageSize: number;
  private readonly runBudgetMs: number;
  private readonly maxWorkers: number;
  private readonly lingerMs: number;
  private readonly pollMs: number;
  private readonly log: (message: string) => void;
  private readonly gate: StorageGate;
  private readonly counters: EngineStats = { runs: 0, feedReads: 0, commits: 0, attempts: 0, delivered: 0, sendMs: 0 };

  constructor(private readonly options: EngineOptions) {
    this.owner = options.owner ?? randomUUID();
    this.now = options.now ?? Date.now;
    this.pageSize = options.pageSize ?? 100;
    this.runBudgetMs = options.runBudgetMs ?? 20_000;
    this.maxWorkers = options.maxWorkers ?? 16;
    this.lingerMs = options.lingerMs ?? 0;
    this.pollMs = options.pollMs ?? 250;
    this.log = options.log ?? (() => undefined);
    this.gate = options.gate ?? new StorageGate();
  }

  /**
   * Starts work on every stream that is not already being worked on here, and waits up to `waitMs` for it (work
   * still going on then continues in the background, and later ticks skip those streams until it ends).
   */
  async tick(waitMs = 1500): Promise<TickReport> {
    const subscriptions = await this.gate.run(() => this.options.store.listSubscriptions());
    let allTenants: string[] | undefined;
    const started: Promise<void>[] = [];
    for (const subscription of subscriptions) {
      const tenants = subscription.tenant ? [subscription.tenant] : (allTenants ??= await this.gate.run(() => this.options.feed.tenants()));
      for (const tenant of tenants) {
        const key = `${subscription.id}/${tenant}`;
        if (this.running.has(key)) continue;
        if (this.running.size >= this.maxWorkers) break;
        const work = this.runStream(subscription, tenant)
          .catch((error: unknown) => this.log(`delivery: stream ${key}: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => this.running.delete(key));
        this.running.set(key, work);
        started.push(work);
      }
    }
    for (const subscription of subscriptions) this.maybeSweep(subscription.id);
    const all = Promise.all([...this.running.values()]).then(() => undefined);
    await (Number.isFinite(waitMs) ? Promise.race([all, sleep(waitMs)]) : all);
    return { subscriptions: subscriptions.length, running: this.running.size };
  }

  /**
   * Delivery records expire after retentionDays: a bounded sweep (at most 200 records) per subscription, at most every
   * 10 minutes per instance, in the background.
   */
  private maybeSweep(subscriptionId: string): void {
    const days = this.options.config.retentionDays;
    const now = this.now();
    if (days === undefined || now - (this.lastSweep.get(subscriptionId) ?? 0) < 10 * 60_000) return;
    this.lastSweep.set(subscriptionId, now);
    this.gate.run(() => this.options.store.sweepRecords(subscriptionId, now - days * 86_400_000)).catch((error: unknown) =>
      this.log(`delivery: sweep of ${subscriptionId}: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Waits for every stream worked on by this instance (tests; a host shutting down). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** Works one stream while it has due work, its lease holds and its run budget lasts. */
  async runStream(subscription: Subscription, tenant: string): Promise<void> {
    const { store } = this.options;
    const leaseMs = this.options.config.leaseSeconds * 1000;
    let stream: StreamState = (await this.gate.run(() => store.stream(subscription.id, tenant))) ?? { tenant, done: [], leaseUntil: 0 };
    const start = this.now();
    if (stream.owner && stream.owner !== this.owner && stream.leaseUntil > start) return;

    // Nothing due: leave without writing (an idle stream costs one feed read per tick, no write).
    let page: FeedPage | undefined;
    if (stream.head) {
      if (stream.head.nextAttemptAt > start) return;
    } else {
      page = await this.read(tenant, stream.cursor);
      const done = new Set(stream.done);
      if (page.events.length === 0 && page.next === stream.cursor) return;
      if (page.events.length > 0 && page.events.every((e) => done.has(e.id)) && page.next === stream.cursor) return;
    }

    stream = { ...stream, owner: this.owner, leaseUntil: start + leaseMs };
    try {
      stream.etag = await this.gate.run(() => store.commit(subscription.id, stream));
    } catch (error) {
      if (error instanceof LeaseLostError) return; // another instance took it first
      throw error;
    }
    this.counters.runs++;
    this.counters.commits++;

    // Attempts made since the last write, written with the stream's progress in one transaction (flush): a burst costs
    // one write per batch, not per event. A crash before the flush sends them again (same webhook-id: at least once).
    // A full batch is written while the next events go out (one write in flight at a time, each guarded by the ETag
    // the previous one returned); sending goes on only while the lease last confirmed by storage holds, so even
    // then no other instance can be sending this stream's events.
    let batch: RecordWrite[] = [];
    let batchActions = 0;
    let batchChars = 0;
    let dirty = false; // the stream moved since its last write
    let confirmedLease = stream.leaseUntil;
    let writing: Promise<void> | undefined;
    let writeError: unknown;
    const settle = async (): Promise<void> => {
      if (writing) await writing;
      if (writeError !== undefined) throw writeError;
    };
    const flush = async (wait = true): Promise<void> => {
      await settle();
      const records = batch;
      batch = [];
      batchActions = 0;
      batchChars = 0;
      dirty = false;
      const leaseUntil = this.now() + leaseMs;
      const snapshot: StreamState = { ...stream, done: [...stream.done], leaseUntil };
      const write = this.gate.run(() => store.commit(subscription.id, snapshot, records)).then(
        (etag) => {
          stream.etag = etag;
          confirmedLease = leaseUntil;
          this.counters.commits++;
        },
        (error: unknown) => {
          writeError = error;
        },
      );
      const current: Promise<void> = write.finally(() => {
        if (writing === current) writing = undefined;
      });
      writing = current;
      if (wait) await settle();
    };
    const attempt = async (record: DeliveryRecord, body: string, isNew: boolean): Promise<void> => {
      // Room in this batch's transaction for the record, else write the batch (in the background) first.
      const actions = isNew ? 2 : 1;
      const chars = isNew ? body.length : 0;
      if (batch.length > 0 && (batchActions + actions > MAX_BATCH_ACTIONS || batchChars + chars > MAX_BATCH_CHARS)) await flush(false);
      if (writeError !== undefined) throw writeError;
      // An attempt may take the whole webhook timeout: renew the lease first if it would not outlast it. (Nothing
      // about this event is in the stream yet: a crash during the attempt leaves it ahead of the stream.)
      if (confirmedLease - this.now() < WEBHOOK_TIMEOUT_MS + 5000) {
        await settle();
        if (confirmedLease - this.now() < WEBHOOK_TIMEOUT_MS + 5000) await flush();
      }
      const sendStart = performance.now();
      const outcome = await this.send(subscription, record.eventId, body);
      this.counters.sendMs += performance.now() - sendStart;
      this.counters.attempts++;
      if (outcome.ok) this.counters.delivered++;
      const next = applyOutcome(record, outcome, this.options.config.retrySchedule, this.now());
      stream.head = next === undefined ? undefined : { key: record.key, eventId: record.eventId, nextAttemptAt: next };
      // Done for the page walk once recorded: delivered, failed for good, or now the head waiting for its retry.
      if (isNew) stream.done.push(record.eventId);
      batch.push({ record, body: isNew ? body : undefined });
      batchActions += actions;
      batchChars += chars;
      dirty = true;
      // A delivery now waiting for its retry is written at once: the deliveries list shows it, and the stream waits.
      if (stream.head) await flush();
    };
    // The next page is read while this one is sent (the cursor it continues from is known once a full page is read).
    let prefetched: { after: string; page: Promise<FeedPage> } | undefined;
    const prefetch = (after: string): void => {
      const read = this.read(tenant, after);
      read.catch(() => undefined); // awaited (and its error seen) when used; an unused one is dropped
      prefetched = { after, page: read };
    };
    const nextPage = (): Promise<FeedPage> => {
      const ahead = prefetched;
      prefetched = undefined;
      return ahead && ahead.after === stream.cursor ? ahead.page : this.read(tenant, stream.cursor);
    };

    if (page && page.events.length >= this.pageSize && page.next !== stream.cursor) prefetch(page.next);

    let lastActivity = this.now();
    // Set while lingering: before sending what a later poll finds, make sure the subscription still exists (a
    // deleted one's stream row goes first, so at most an attempt already under way can follow a DELETE).
    let slept = false;
    try {
      while (this.now() - start < this.runBudgetMs) {
        if (stream.head) {
          if (stream.head.nextAttemptAt > this.now()) break;
          const head = stream.head;
          const stored = await this.gate.run(() => store.record(subscription.id, head.key));
          if (!stored) {
            stream.head = undefined;
            dirty = true;
            continue;
          }
          await attempt(stored.record, stored.body, false);
          if (stream.head) break; // still failing: wait for its retry, send nothing after it
          continue;
        }
        if (!page) {
          page = await nextPage();
          if (page.events.length >= this.pageSize && page.next !== stream.cursor) prefetch(page.next);
        }
        const done = new Set(stream.done);
        const event = page.events.find((e) => !done.has(e.id));
        if (!event) {
          // Every event of the page is done: move the cursor past it.
          if (page.next !== stream.cursor || stream.done.length > 0) {
            stream.cursor = page.next;
            stream.done = [];
            dirty = true;
          }
          const full = page.events.length >= this.pageSize;
          page = undefined;
          if (full) continue;
          // Caught up: write what was delivered (the deliveries list shows it), then keep watching a little while (a
          // caught-up feed read is one storage call) and let go.
          if (dirty) await flush();
          if (this.now() - lastActivity >= this.lingerMs) break;
          await sleep(this.pollMs);
          slept = true;
          continue;
        }
        if (!matches(subscription, event)) {
          stream.done.push(event.id);
          dirty = true;
          continue;
        }
        if (slept) {
          if (!(await this.gate.run(() => store.getSubscription(subscription.id)))) return;
          slept = false;
        }
        const at = this.now();
        const record: DeliveryRecord = {
          key: store.newRecordKey(event.id, at),
          eventId: event.id,
          tenantId: tenant,
          type: event.type,
          attempts: 0,
          status: 'pending',
          firstAttemptAt: new Date(at).toISOString(),
        };
        await attempt(record, JSON.stringify(event), true);
        lastActivity = this.now();
        if (stream.head) break;
      }
    } catch (error) {
      // Someone else wrote the stream (a redeliver moving a retry up, a deleted subscription, an instance that took
      // over an expired lease): stop; what was not recorded is sent again by whoever works the stream next.
      if (error instanceof LeaseLostError) return;
      throw error;
    } finally {
      // Let go of the lease, writing what moved since the last write (also after a failed feed read: nothing sent is
      // sent again needlessly): the next tick, here or elsewhere, goes on.
      if (writing) await writing;
      if (writeError === undefined) {
        stream.owner = undefined;
        stream.leaseUntil = 0;
        try {
          const rest = batch;
          stream.etag = await this.gate.run(() => store.commit(subscription.id, stream, rest));
          this.counters.commits++;
        } catch (error) {
          if (!(error instanceof LeaseLostError)) throw error;
        }
      } else if (!(writeError instanceof LeaseLostError)) {
        // A batch write failed (storage trouble): its events are sent again once the lease has expired.
        throw writeError;
      }
    }
  }

  /** What this instance's engine did so far (the bench's cost per delivered event; tests). */
  stats(): EngineStats {
    return { ...this.counters };
  }

  private async read(tenant: string, cursor: string | undefined): Promise<FeedPage> {
    this.counters.feedReads++;
    return this.gate.run(() => this.options.feed.read(tenant, cursor, this.pageSize));
  }

  private send(subscription: Subscription, eventId: string, body: string): Promise<AttemptOutcome> {
    if (subscription.kind === 'queue') return this.options.senders.queue(subscription.queue as string, body);
    return this.options.senders.webhook({ url: subscription.url as string, secret: subscription.secret as string }, eventId, body);
  }
}
