// The delivery table (its own table, like the activity log): subscriptions, each subscription's streams (one per
// tenant it receives) and its delivery records. Storage calls here belong to no SCIM request: they go through the
// fetch-based HTTP client and are not counted in lib/store/metrics.ts; the store counts them itself (`calls`, by kind
// of round trip) so the delivery engine's cost per delivered event can be measured and asserted.
//   PK "~subscriptions", RK <subscription id>       the subscription (target, filter, signing secret)
//   PK <subscription id>, RK "stream:<tenant>"      the stream: feed cursor, events of the current page done, the
//                                                   pending head delivery, and the lease of the instance working on it
//   PK <subscription id>, RK "d:<inverted ms>:<id>" one delivery record (newest first), with the event's JSON
//   PK <subscription id>, RK "e:<event id>"         index: event id → delivery record key
// A stream's state and the delivery record it advances are written in one entity-group transaction guarded by the
// stream's ETag: a delivery is recorded exactly when the cursor moves past it, and an instance that lost its lease
// cannot write at all.
import type { TableClient, TableEntity, TableServiceClientOptions, TransactionAction } from '@azure/data-tables';
import { loadTablesSdk, odata } from '../store/tables-sdk.js';
import { FetchHttpClient } from '../activity/fetch-http-client.js';
import { storageStatus, tableCreator } from '../store/storage-errors.js';
import { createTableClient, storageConfigFromEnv } from '../store/table-client.js';

const SUBSCRIPTIONS = '~subscriptions';
const TIMEOUT_MS = 8000;
const CHUNK_CHARS = 30_000; // under the 64 KiB (32,768 UTF-16 characters) property limit
const deadline = () => ({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });

export type SubscriptionKind = 'webhook' | 'queue';

export interface Subscription {
  id: string;
  kind: SubscriptionKind;
  url?: string;
  queue?: string;
  /** Absent: every tenant's events. */
  tenant?: string;
  /** Absent: every event type. */
  types?: string[];
  /** Webhooks only: the signing secret (whsec_…). Never returned by the API after creation. */
  secret?: string;
  created: string;
}

export type DeliveryStatus = 'delivered' | 'pending' | 'failed';

export interface DeliveryRecord {
  /** The record's row key (d:…). */
  key: string;
  eventId: string;
  tenantId: string;
  type: string;
  attempts: number;
  status: DeliveryStatus;
  lastStatusCode?: number;
  lastError?: string;
  deliveredAt?: string;
  firstAttemptAt: string;
  nextAttemptAt?: string;
}

export interface StreamState {
  tenant: string;
  /** Feed cursor: every event before it is done. */
  cursor?: string;
  /** Ids of events after the cursor already done (the cursor moves once the whole page is). */
  done: string[];
  /** The delivery waiting for its next attempt: nothing later in this stream goes before it. */
  head?: { key: string; eventId: string; nextAttemptAt: number };
  owner?: string;
  leaseUntil: number;
  etag?: string;
}

/** A delivery record to write with the stream: new (with the event's JSON, kept for redelivery) or updated. */
export interface RecordWrite {
  record: DeliveryRecord;
  /** Present for a new record. */
  body?: string;
}

export class LeaseLostError extends Error {
  constructor() {
    super('Another instance changed the stream (lease lost).');
    this.name = 'LeaseLostError';
  }
}


/** Newest first: 10^13 - ms. */
const invertedTime = (ms: number): string => String(1e13 - ms).padStart(13, '0');
const streamKey = (tenant: string) => `stream:${tenant}`;
const indexKey = (eventId: string) => `e:${eventId}`;

type Entity = TableEntity<Record<string, unknown>>;

function bodyProperties(body: string): Record<string, unknown> {
  const props: Record<string, unknown> = { chunks: Math.max(1, Math.ceil(body.length / CHUNK_CHARS)) };
  for (let i = 0; i * CHUNK_CHARS < body.length || i === 0; i++) props[`b${i}`] = body.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return props;
}

function bodyOf(row: Record<string, unknown>): string {
  let body = '';
  for (let i = 0; i < Number(row.chunks ?? 1); i++) body += String(row[`b${i}`] ?? '');
  return body;
}

const RECORD_FIELDS = ['RowKey', 'eventId', 'tenantId', 'type', 'attempts', 'status', 'lastStatusCode', 'lastError', 'deliveredAt', 'firstAttemptAt', 'nextAttemptAt'];

function recordOf(row: Record<string, unknown>): DeliveryRecord {
  const r: DeliveryRecord = {
    key: String(row.rowKey ?? row.RowKey),
    eventId: String(row.eventId),
    tenantId: String(row.tenantId),
    type: String(row.type),
    attempts: Number(row.attempts ?? 0),
    status: String(row.status) as DeliveryStatus,
    firstAttemptAt: String(row.firstAttemptAt),
  };
  if (typeof row.lastStatusCode === 'number') r.lastStatusCode = row.lastStatusCode;
  if (typeof row.lastError === 'string' && row.lastError) r.lastError = row.lastError;
  if (typeof row.deliveredAt === 'string' && row.deliveredAt) r.deliveredAt = row.deliveredAt;
  if (typeof row.nextAttemptAt === 'string' && row.nextAttemptAt) r.nextAttemptAt = row.nextAttemptAt;
  return r;
}

function recordEntity(subscriptionId: string, record: DeliveryRecord): Entity {
  return {
    partitionKey: subscriptionId,
    rowKey: record.key,
    eventId: record.eventId,
    tenantId: record.tenantId,
    type: record.type,
    attempts: record.attempts,
    status: record.status,
    lastStatusCode: record.lastStatusCode ?? null,
    lastError: record.lastError ?? '',
    deliveredAt: record.deliveredAt ?? '',
    firstAttemptAt: record.firstAttemptAt,
    nextAttemptAt: record.nextAttemptAt ?? '',
  };
}

function subscriptionOf(row: Record<string, unknown>): Subscription {
  const s: Subscription = { id: String(row.rowKey), kind: row.kind === 'queue' ? 'queue' : 'webhook', created: String(row.created) };
  if (typeof row.url === 'string' && row.url) s.url = row.url;
  if (typeof row.queue === 'string' && row.queue) s.queue = row.queue;
  if (typeof row.tenant === 'string' && row.tenant) s.tenant = row.tenant;
  if (typeof row.types === 'string' && row.types) s.types = JSON.parse(row.types) as string[];
  if (typeof row.secret === 'string' && row.secret) s.secret = row.secret;
  return s;
}

function streamOf(row: Record<string, unknown> & { etag?: string }): StreamState {
  return {
    tenant: String(row.rowKey).slice('stream:'.length),
    cursor: typeof row.cursor === 'string' && row.cursor ? row.cursor : undefined,
    done: typeof row.done === 'string' && row.done ? (JSON.parse(row.done) as string[]) : [],
    head: typeof row.head === 'string' && row.head ? (JSON.parse(row.head) as StreamState['head']) : undefined,
    owner: typeof row.owner === 'string' && row.owner ? row.owner : undefined,
    leaseUntil: Number(row.leaseUntil ?? 0),
    etag: row.etag,
  };
}

function streamEntity(subscriptionId: string, s: StreamState): Entity {
  return {
    partitionKey: subscriptionId,
    rowKey: streamKey(s.tenant),
    cursor: s.cursor ?? '',
    done: JSON.stringify(s.done),
    head: s.head ? JSON.stringify(s.head) : '',
    owner: s.owner ?? '',
    leaseUntil: s.leaseUntil,
  };
}

export class DeliveryStore {
  /** Creates the delivery table on first use (idempotent). */
  readonly ready: () => Promise<void>;

  constructor(
    readonly client: TableClient,
    /** Round trips so far (counted by the client built in createDeliveryStore). */
    readonly calls: StoreCalls = { transaction: 0, read: 0, query: 0, write: 0, delete: 0 },
  ) {
    this.ready = tableCreator(client, () => TIMEOUT_MS);
  }

  private async *query(filter: string, select?: string[], pageSize = 1000): AsyncIterable<Record<string, unknown>> {
    await this.ready();
    for await (const page of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } }).byPage({ maxPageSize: pageSize })) {
      yield* page;
    }
  }

  // ---- subscriptions ----

  async createSubscription(s: Subscription): Promise<void> {
    await this.ready();
    await this.client.createEntity({
      partitionKey: SUBSCRIPTIONS,
      rowKey: s.id,
      kind: s.kind,
      url: s.url ?? '',
      queue: s.queue ?? '',
      tenant: s.tenant ?? '',
      types: s.types ? JSON.stringify(s.types) : '',
      secret: s.secret ?? '',
      created: s.created,
    }, deadline());
  }

  async getSubscription(id: string): Promise<Subscription | undefined> {
    await this.ready();
    try {
      return subscriptionOf(await this.client.getEntity<Record<string, unknown>>(SUBSCRIPTIONS, id, deadline()));
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async listSubscriptions(): Promise<Subscription[]> {
    const out: Subscription[] = [];
    for await (const row of this.query(odata`PartitionKey eq ${SUBSCRIPTIONS}`)) out.push(subscriptionOf(row));
    return out.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /** Deletes the subscription (delivery stops at once), then its streams and records, 100 per transaction. */
  async deleteSubscription(id: string): Promise<boolean> {
    await this.ready();
    try {
      await this.client.deleteEntity(SUBSCRIPTIONS, id, deadline());
    } catch (error) {
      if (storageStatus(error) === 404) return false;
      throw error;
    }
    // The streams first: a worker still running on one can then record nothing more (its next write fails).
    const streams = await this.streams(id);
    for (let i = 0; i < streams.length; i += 100) {
      await this.client.submitTransaction(streams.slice(i, i + 100).map((s) => ['delete', { partitionKey: id, rowKey: streamKey(s.tenant) }] as TransactionAction), deadline());
    }
    await this.purge(id);
    return true;
  }

  /** Removes every row of a subscription's partition (also what a deleted subscription may have left behind). */
  async purge(id: string): Promise<number> {
    let batch: TransactionAction[] = [];
    let removed = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.client.submitTransaction(batch, deadline());
      removed += batch.length;
      batch = [];
    };
    for await (const row of this.query(odata`PartitionKey eq ${id}`, ['RowKey'])) {
      batch.push(['delete', { partitionKey: id, rowKey: String(row.rowKey) }]);
      if (batch.length === 100) await flush();
    }
    await flush();
    return removed;
  }

  // ---- streams ----

  async streams(subscriptionId: string): Promise<StreamState[]> {
    const out: StreamState[] = [];
    for await (const row of this.query(odata`PartitionKey eq ${subscriptionId} and RowKey ge 'stream:' and RowKey lt 'stream;'`)) out.push(streamOf(row));
    return out;
  }

  async stream(subscriptionId: string, tenant: string): Promise<StreamState | undefined> {
    await this.ready();
    try {
      return streamOf(await this.client.getEntity<Record<string, unknown>>(subscriptionId, streamKey(tenant), deadline()));
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Writes the stream (created when it has no ETag yet, else only if unchanged since read) together with delivery
   * records (and their index rows, when new) in one transaction (at most 49 new records: 100-action limit). Returns
   * the stream's new ETag; LeaseLostError when another writer got there first.
   */
  async commit(subscriptionId: string, stream: StreamState, records: RecordWrite[] = []): Promise<string> {
    await this.ready();
    const actions: TransactionAction[] = [];
    const entity = streamEntity(subscriptionId, stream);
    actions.push(stream.etag ? ['update', entity, 'Replace', { etag: stream.etag }] : ['create', entity]);
    for (const write of records) {
      const row = recordEntity(subscriptionId, write.record);
      if (write.body !== undefined) {
        actions.push(['create', { ...row, ...bodyProperties(write.body) }]);
        actions.push(['upsert', { partitionKey: subscriptionId, rowKey: indexKey(write.record.eventId), key: write.record.key }, 'Replace']);
      } else {
        actions.push(['update', row, 'Merge']);
      }
    }
    try {
      const response = await this.client.submitTransaction(actions, deadline());
      const etag = response.subResponses.find((r) => r.rowKey === entity.rowKey)?.etag ?? response.subResponses[0]?.etag;
      if (etag) return etag;
      return (await this.stream(subscriptionId, stream.tenant))?.etag ?? '';
    } catch (error) {
      const status = storageStatus(error);
      // 412: changed since read; 409: created by someone else meanwhile; 404: the subscription was deleted.
      if (status === 412 || status === 409 || status === 404) throw new LeaseLostError();
      throw error;
    }
  }

  // ---- delivery records ----

  newRecordKey(eventId: string, at: number): string {
    return `d:${invertedTime(at)}:${eventId}`;
  }

  async record(subscriptionId: string, key: string): Promise<{ record: DeliveryRecord; body: string } | undefined> {
    await this.ready();
    try {
      const row = await this.client.getEntity<Record<string, unknown>>(subscriptionId, key, deadline());
      return { record: recordOf(row), body: bodyOf(row) };
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async recordByEvent(subscriptionId: string, eventId: string): Promise<{ record: DeliveryRecord; body: string } | undefined> {
    await this.ready();
    try {
      const index = await this.client.getEntity<Record<string, unknown>>(subscriptionId, indexKey(eventId), deadline());
      return await this.record(subscriptionId, String(index.key));
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async updateRecord(subscriptionId: string, record: DeliveryRecord): Promise<void> {
    await this.ready();
    await this.client.updateEntity(recordEntity(subscriptionId, record), 'Merge', deadline());
  }

  /**
   * Removes up to `max` records first attempted before `before` (epoch ms), with their index rows, oldest first; a
   * record still waiting for a retry stays. Returns how many went. Records sort newest first, so these are the tail.
   */
  async sweepRecords(subscriptionId: string, before: number, max = 200): Promise<number> {
    const from = `d:${invertedTime(before)}`;
    const old: { key: string; eventId: string }[] = [];
    for await (const row of this.query(odata`PartitionKey eq ${subscriptionId} and RowKey gt ${from} and RowKey lt 'd;'`, ['RowKey', 'eventId', 'status'], max)) {
      if (row.status !== 'pending') old.push({ key: String(row.rowKey), eventId: String(row.eventId) });
      if (old.length >= max) break;
    }
    for (let i = 0; i < old.length; i += 50) {
      const actions: TransactionAction[] = old.slice(i, i + 50).flatMap((r) => [
        ['delete', { partitionKey: subscriptionId, rowKey: r.key }] as TransactionAction,
        ['delete', { partitionKey: subscriptionId, rowKey: indexKey(r.eventId) }] as TransactionAction,
      ]);
      await this.client.submitTransaction(actions, deadline());
    }
    return old.length;
  }

  /** Newest first; `after` is the key of the last record of the previous page. */
  async records(subscriptionId: string, limit: number, after?: string): Promise<{ records: DeliveryRecord[]; next?: string }> {
    const from = after ?? 'd:';
    const filter = after
      ? odata`PartitionKey eq ${subscriptionId} and RowKey gt ${from} and RowKey lt 'd;'`
      : odata`PartitionKey eq ${subscriptionId} and RowKey ge 'd:' and RowKey lt 'd;'`;
    const records: DeliveryRecord[] = [];
    for await (const row of this.query(filter, RECORD_FIELDS, Math.min(1000, limit + 1))) {
      if (records.length === limit) return { records, next: records[records.length - 1].key };
      records.push(recordOf(row));
    }
    return { records };
  }
}

type HttpClient = NonNullable<TableServiceClientOptions['httpClient']>;

/** Round trips to the delivery table by kind: `transaction`, `read` (one row), `query` (a page), `write`, `delete`. */
export type StoreCalls = Record<'transaction' | 'read' | 'query' | 'write' | 'delete', number>;

export function storeCallTotal(calls: StoreCalls): number {
  return calls.transaction + calls.read + calls.query + calls.write + calls.delete;
}

/** Counts every request the delivery table's client sends (retries included), by kind. */
function countingClient(inner: HttpClient, calls: StoreCalls): HttpClient {
  return {
    sendRequest(request) {
      const path = new URL(request.url).pathname;
      const kind: keyof StoreCalls = path.endsWith('$batch') ? 'transaction'
        : request.method === 'GET' ? (path.endsWith(')') && path.includes('RowKey=') ? 'read' : 'query')
        : request.method === 'DELETE' ? 'delete' : 'write';
      calls[kind]++;
      return inner.sendRequest(request);
    },
  };
}

export async function createDeliveryStore(tableName: string, env: NodeJS.ProcessEnv = process.env): Promise<DeliveryStore> {
  const calls: StoreCalls = { transaction: 0, read: 0, query: 0, write: 0, delete: 0 };
  const client = await createTableClient({ ...storageConfigFromEnv(env), tableName }, {
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    httpClient: countingClient(new FetchHttpClient((await loadTablesSdk()).RestError), calls),
  }, env);
  return new DeliveryStore(client, calls);
}
