// The change feed of one tenant: pending events become sequenced events, pages are read by cursor, old events expire.
//
// Why sequence numbers, and why this way (docs/events.md tells the app developer the same):
// - Every change's transaction creates a *pending* row (keys.ts) keyed by the change's time, resource and version. A
//   time-ordered key cannot be a cursor: clocks differ between instances, and a slow writer commits a row whose key
//   is older than rows a reader has already passed, so a reader resuming after that key would skip it.
// - Readers therefore read *sequenced* rows only. Sequencing is one entity-group transaction in the tenant's
//   partition: it updates the feed head (`EC`, guarded by its ETag, so two sequencers never hand out the same number),
//   creates `E:<n+1>…E:<n+k>` and deletes the k pending rows. Numbers are dense and never reused; a row is visible
//   with all its predecessors or not at all (a query works off a snapshot of the partition; the reader also refuses to
//   step over a hole). A cursor `n` therefore has seen exactly the events 1..n, whatever writers do later: a pending
//   row committed late simply gets a later number.
// - Per-resource order: a resource's next change is written only after its previous one committed (ETag guard), and
//   its time key is strictly later (event.ts nextChangeTime), so in any snapshot of pending rows its earlier version
//   sorts first and gets the smaller number.
// - Whoever reads the feed sequences it (bounded by the page asked for), so no background job is needed for
//   freshness; SCIM requests never pay for it.
import type { TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { ConcurrencyError } from '../store/repository.js';
import { runUncounted } from '../store/metrics.js';
import type { Row, TableOps } from '../store/table-ops.js';
import type { EventsConfig } from './config.js';
import type { ChangeEvent } from './event.js';
import {
  eventFromRow,
  HEAD_KEY,
  newEpoch,
  PENDING_FROM,
  PENDING_TO,
  pendingKeyBefore,
  rowChars,
  SEQUENCED_FROM,
  SEQUENCED_TO,
  sequencedKey,
  sequenceOf,
  START,
  type Cursor,
} from './keys.js';

export const MAX_LIMIT = 1000;
/** One sequencing transaction: the head and, per event, a create and a delete (100-action limit). */
const PER_TRANSACTION = Math.floor((100 - 1) / 2);
/** Characters of event JSON per sequencing transaction: well under the 4 MiB payload limit. */
const CHARS_PER_TRANSACTION = 1_000_000;
const SEQUENCE_ATTEMPTS = 4;
const SWEEP_BATCH = 100;

interface Head {
  epoch: string;
  sequence: number;
  etag: string;
}

export interface FeedPage {
  events: ChangeEvent[];
  /** Always valid to pass back as `after`, also after an empty page. */
  next: Cursor;
}

/** The cursor was well-formed but is not a position this feed has handed out (ahead of its head). */
export class CursorAheadError extends Error {
  constructor() {
    super('The cursor is ahead of the feed; it was not handed out by this feed.');
    this.name = 'CursorAheadError';
  }
}

export class EventFeed {
  private readonly lastSweep = new Map<string, number>();

  constructor(
    private readonly ops: TableOps,
    readonly config: EventsConfig,
  ) {}

  /**
   * Events after `after` (from the oldest retained when absent or from another epoch), at most `limit`. Cost: one
   * range read of the head and pending rows, one transaction per 49 events sequenced, one range read of the page.
   */
  async page(tenant: string, after: Cursor | undefined, limit: number): Promise<FeedPage> {
    const size = Math.min(Math.max(1, Math.floor(limit)), MAX_LIMIT);
    const head = await this.sequence(tenant, size);
    this.maybeSweep(tenant);
    if (!head) return { events: [], next: START };
    let from = 0;
    if (after && after.epoch === head.epoch) {
      if (after.sequence > head.sequence) throw new CursorAheadError();
      from = after.sequence;
    }
    const here: Cursor = { epoch: head.epoch, sequence: from };
    if (from >= head.sequence) return { events: [], next: here };
    const events: ChangeEvent[] = [];
    let expected: number | undefined;
    for await (const row of this.ops.range(tenant, sequencedKey(from), SEQUENCED_TO, { exclusive: true, pageSize: size })) {
      const sequence = sequenceOf(String(row.rowKey));
      // Never step over a hole: the next read resumes before it. (Only retention removes events, oldest first.)
      if (expected !== undefined && sequence !== expected) break;
      events.push({ ...eventFromRow(row), sequence: String(sequence) });
      expected = sequence + 1;
      if (events.length >= size) break;
    }
    const last = events.at(-1);
    // An empty page below the head means the events after the cursor have expired: continue at the head.
    return { events, next: last ? { epoch: head.epoch, sequence: Number(last.sequence) } : { epoch: head.epoch, sequence: head.sequence } };
  }

  /**
   * The newest events before `before` (exclusive; from the head when absent), newest first, for the console. Sequence
   * numbers are dense, so the page is one range read of known keys: O(page) like the forward read.
   */
  async recent(tenant: string, before: Cursor | undefined, limit: number): Promise<{ events: ChangeEvent[]; older?: Cursor }> {
    const size = Math.min(Math.max(1, Math.floor(limit)), MAX_LIMIT);
    // Newest first must include the newest: sequence a full budget, not just a page.
    const head = await this.sequence(tenant, MAX_LIMIT);
    if (!head) return { events: [] };
    const top = before && before.epoch === head.epoch ? Math.min(before.sequence - 1, head.sequence) : head.sequence;
    const from = Math.max(0, top - size);
    if (top <= 0) return { events: [] };
    const events: ChangeEvent[] = [];
    for await (const row of this.ops.range(tenant, sequencedKey(from), sequencedKey(top + 1), { exclusive: true, pageSize: size })) {
      events.push({ ...eventFromRow(row), sequence: String(sequenceOf(String(row.rowKey))) });
    }
    events.reverse();
    const oldest = events.at(-1);
    return oldest && from > 0 ? { events, older: { epoch: head.epoch, sequence: Number(oldest.sequence) } } : { events };
  }

  /** The head after sequencing up to `budget` pending events (undefined: the tenant has no feed yet). */
  async sequence(tenant: string, budget: number): Promise<Head | undefined> {
    let head: Head | undefined;
    for (let attempt = 1; attempt <= SEQUENCE_ATTEMPTS; attempt++) {
      const rows: Row[] = [];
      for await (const row of this.ops.range(tenant, HEAD_KEY, PENDING_TO, { pageSize: budget + 1 })) {
        rows.push(row);
        if (rows.length > budget) break;
      }
      head = rows[0]?.rowKey === HEAD_KEY ? headOf(rows[0]) : undefined;
      const pending = rows.filter((r) => String(r.rowKey) >= PENDING_FROM);
      if (pending.length === 0) return head;
      try {
        for (const part of transactions(pending)) head = await this.assign(tenant, head, part);
        return head;
      } catch (error) {
        // Another reader sequenced (or a sweep removed) some of these rows first: read again.
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    return head;
  }

  /** Gives `rows` the next sequence numbers, in key order, in one transaction. */
  private async assign(tenant: string, head: Head | undefined, rows: Row[]): Promise<Head> {
    const base = head?.sequence ?? 0;
    const epoch = head?.epoch ?? newEpoch();
    const next = { partitionKey: tenant, rowKey: HEAD_KEY, sequence: base + rows.length, epoch };
    const actions: TransactionAction[] = [head ? ['update', next, 'Replace', { etag: head.etag }] : ['create', next]];
    rows.forEach((row, i) => {
      actions.push(['create', { partitionKey: tenant, rowKey: sequencedKey(base + i + 1), ...eventColumns(row) }]);
      actions.push(['delete', { partitionKey: tenant, rowKey: String(row.rowKey) }]);
    });
    const response: TableTransactionResponse = await this.ops.transaction(actions, () => new ConcurrencyError());
    const etag = response.subResponses.find((r) => r.rowKey === HEAD_KEY)?.etag ?? '';
    return { epoch, sequence: base + rows.length, etag };
  }

  /**
   * Deletes expired events, at most `maxRows`: the oldest sequenced ones (a prefix of the feed, never a hole in it)
   * and pending ones nobody read before they expired. Each round is one range read of at most 100 keys at the front
   * and one transaction. Returns the rows deleted.
   */
  async sweep(tenant: string, now = Date.now(), maxRows = 1000): Promise<number> {
    const cutoff = now - this.config.retentionDays * 86_400_000;
    let deleted = 0;
    const front = async (from: string, to: string, expired: (row: Row) => boolean): Promise<void> => {
      while (deleted < maxRows) {
        const rows: Row[] = [];
        const size = Math.min(SWEEP_BATCH, maxRows - deleted);
        for await (const row of this.ops.range(tenant, from, to, { select: ['RowKey', 't'], pageSize: size })) {
          rows.push(row);
          if (rows.length >= size) break;
        }
        const gone: Row[] = [];
        for (const row of rows) {
          if (!expired(row)) break;
          gone.push(row);
        }
        if (gone.length === 0) return;
        try {
          await this.ops.transaction(gone.map((r) => ['delete', { partitionKey: tenant, rowKey: String(r.rowKey) }]));
        } catch (error) {
          if (error instanceof ConcurrencyError) return; // sequenced or swept meanwhile: the next sweep continues
          throw error;
        }
        deleted += gone.length;
        if (gone.length < rows.length || rows.length < size) return;
      }
    };
    await front(SEQUENCED_FROM, SEQUENCED_TO, (row) => Number(row.t) < cutoff);
    await front(PENDING_FROM, pendingKeyBefore(cutoff), () => true);
    return deleted;
  }

  /** After a change or a read: a retention sweep of the tenant in the background, at most every sweepMinutes per instance. */
  maybeSweep(tenant: string, now = Date.now()): void {
    const last = this.lastSweep.get(tenant);
    if (last !== undefined && now - last < this.config.sweepMinutes * 60_000) return;
    this.lastSweep.set(tenant, now);
    if (this.lastSweep.size > 10_000) this.lastSweep.delete(this.lastSweep.keys().next().value as string);
    // Not part of the request that triggered it: not counted in its storage calls, and never fails it.
    setImmediate(() => void runUncounted(() => this.sweep(tenant)).catch(() => undefined));
  }
}

function headOf(row: Row): Head {
  return { epoch: String(row.epoch), sequence: Number(row.sequence), etag: String(row.etag) };
}

/** The event's own columns (time and JSON chunks), without the row's keys and system properties. */
function eventColumns(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = { t: row.t, chunks: row.chunks };
  for (let i = 0; i < Number(row.chunks ?? 1); i++) out[`d${i}`] = row[`d${i}`];
  return out;
}

/** Pending rows in key order, cut into sequencing transactions by action count and payload. */
function transactions(rows: Row[]): Row[][] {
  const out: Row[][] = [];
  let current: Row[] = [];
  let chars = 0;
  for (const row of rows) {
    const size = rowChars(row);
    if (current.length > 0 && (current.length >= PER_TRANSACTION || chars + size > CHARS_PER_TRANSACTION)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
