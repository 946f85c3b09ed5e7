// The activity table: writes (entity-group transactions of up to 100 entries of one tenant), filtered newest-first
// pages, scans for the summary, and the retention sweep (bounded range reads past the retention boundary). Storage calls
// here are deliberately not counted in lib/store/metrics.ts: they belong to no SCIM request.
import type { TableClient, TableServiceClientOptions, TransactionAction } from '@azure/data-tables';
import { loadTablesSdk, odata } from '../store/tables-sdk.js';
import { isConflict, storageStatus, tableCreator } from '../store/storage-errors.js';
import { createTableClient, storageConfigFromEnv } from '../store/table-client.js';
import { fromRow, type ActivityEntry, type StoredEntry } from './entry.js';
import { FetchHttpClient } from './fetch-http-client.js';
import { timeRange } from './keys.js';

export const MAX_BATCH = 100;
const TIMEOUT_MS = 8000;

export interface ActivityFilter {
  /** Inclusive time bounds (epoch ms). */
  since?: number;
  until?: number;
  outcome?: 'success' | 'failure' | '2xx' | '3xx' | '4xx' | '5xx';
  status?: number;
  resourceType?: string;
  method?: string;
  /** Exact userName / displayName, case-insensitive. */
  name?: string;
  resourceId?: string;
}

export interface ActivityPage {
  entries: ActivityEntry[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** The cursor was not one this API handed out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not valid; start again without it.');
    this.name = 'InvalidCursorError';
  }
}

const deadline = () => ({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });

/** The OData filter for a tenant's entries matching `filter`. Values are escaped by the odata tag. */
export function odataFilter(tenant: string, filter: ActivityFilter): string {
  const [from, to] = timeRange(filter.since, filter.until);
  const clauses = [odata`PartitionKey eq ${tenant}`, odata`RowKey ge ${from}`, odata`RowKey lt ${to}`];
  switch (filter.outcome) {
    case 'success':
      clauses.push('status lt 400');
      break;
    case 'failure':
      clauses.push('status ge 400');
      break;
    case '2xx':
    case '3xx':
    case '4xx':
    case '5xx': {
      const low = Number(filter.outcome[0]) * 100;
      clauses.push(`status ge ${low} and status lt ${low + 100}`);
      break;
    }
    default:
      break;
  }
  if (filter.status !== undefined) clauses.push(`status eq ${Math.trunc(filter.status)}`);
  if (filter.resourceType) clauses.push(odata`resourceType eq ${filter.resourceType}`);
  if (filter.method) clauses.push(odata`method eq ${filter.method.toUpperCase()}`);
  if (filter.name) clauses.push(odata`nameKey eq ${filter.name.toLowerCase()}`);
  if (filter.resourceId) clauses.push(odata`resourceId eq ${filter.resourceId}`);
  return clauses.join(' and ');
}

export class ActivityStore {
  /** Creates the activity table on first use (idempotent). */
  readonly ready: () => Promise<void>;

  constructor(readonly client: TableClient) {
    this.ready = tableCreator(client, () => TIMEOUT_MS);
  }

  /**
   * Writes entries of one tenant, in transactions of at most 100. Inserts, not upserts: Azurite scans the table for
   * every upserted entity of a batch, inserts stay cheap. Row keys carry a random suffix, so a 409 (a row of the batch
   * exists) means an earlier attempt of this very batch committed (transactions are atomic): it counts as written.
   */
  async write(tenant: string, entries: { rowKey: string; entry: StoredEntry }[]): Promise<void> {
    await this.ready();
    for (let i = 0; i < entries.length; i += MAX_BATCH) {
      const actions = entries.slice(i, i + MAX_BATCH).map(({ rowKey, entry }): TransactionAction => ['create', { partitionKey: tenant, rowKey, ...entry }]);
      try {
        await this.client.submitTransaction(actions, deadline());
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  /**
   * One page of a tenant's entries, newest first. Filters other than time are evaluated by the storage service within
   * the time range's key range; a page may need several storage pages when few entries match (at most `maxScans`).
   */
  async page(tenant: string, filter: ActivityFilter, limit: number, cursor?: string, maxScans = 10): Promise<ActivityPage> {
    await this.ready();
    if (cursor !== undefined) checkCursor(cursor);
    const entries: ActivityEntry[] = [];
    let token = cursor;
    const query = { queryOptions: { filter: odataFilter(tenant, filter) } };
    for (let scan = 0; scan < maxScans && entries.length < limit; scan++) {
      const pages = this.client.listEntities<Record<string, unknown>>(query).byPage({ maxPageSize: limit - entries.length, continuationToken: token });
      let result: IteratorResult<Record<string, unknown>[] & { continuationToken?: string }>;
      try {
        result = await pages.next();
      } catch (error) {
        if (cursor !== undefined && scan === 0 && (error instanceof SyntaxError || storageStatus(error) === 400)) throw new InvalidCursorError();
        throw error;
      }
      if (result.done) {
        token = undefined;
        break;
      }
      for (const row of result.value) entries.push(fromRow(row));
      token = result.value.continuationToken;
      if (!token) break;
    }
    return token ? { entries, nextCursor: token } : { entries };
  }

  /** A tenant's entries newest first, only the given columns, one storage page (up to 1000) at a time. */
  async *scan(tenant: string, filter: ActivityFilter, select?: string[]): AsyncIterable<ActivityEntry> {
    await this.ready();
    const selected = select ? [...new Set(['RowKey', 'time', 'status', ...select])] : undefined;
    for await (const page of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odataFilter(tenant, filter), select: selected } }).byPage({ maxPageSize: 1000 })) {
      for (const row of page) yield fromRow(row);
    }
  }

  /**
   * Deletes up to `maxRows` of the tenant's entries older than `cutoff` (epoch ms), 100 per transaction: each round is
   * one range read of at most 100 keys starting at the retention boundary (the keys just past `cutoff`, RowKey only)
   * and one delete. Never a scan of the partition: a sweep stopped by `maxRows` leaves the oldest entries for the next
   * one. Returns the entries deleted.
   */
  async sweep(tenant: string, cutoff: number, maxRows: number): Promise<number> {
    await this.ready();
    const filter = odataFilter(tenant, { until: cutoff - 1 });
    let deleted = 0;
    while (deleted < maxRows) {
      const size = Math.min(MAX_BATCH, maxRows - deleted);
      const first = await this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] } }).byPage({ maxPageSize: size }).next();
      const keys = first.done ? [] : first.value.map((row) => String(row.rowKey)).slice(0, size);
      if (keys.length === 0) break;
      await this.client.submitTransaction(keys.map((rowKey): TransactionAction => ['delete', { partitionKey: tenant, rowKey }]), deadline());
      deleted += keys.length;
      if (keys.length < size) break;
    }
    return deleted;
  }

  /** Deletes all of a tenant's activity (after the tenant itself is deleted). Returns the entries deleted. */
  async purge(tenant: string): Promise<number> {
    return this.sweep(tenant, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }
}

/** Cursors are the storage service's continuation tokens (base64 JSON), handed out by page(). */
function checkCursor(cursor: string): void {
  if (cursor.length > 2048 || !/^[A-Za-z0-9+/=_-]+$/.test(cursor)) throw new InvalidCursorError();
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as unknown;
    if (typeof decoded !== 'object' || decoded === null) throw new InvalidCursorError();
  } catch {
    throw new InvalidCursorError();
  }
}

/**
 * The activity table's client: the SCIM storage account and credentials (same settings as lib/store/table-client.ts),
 * its own table, and its own HTTP client (see fetch-http-client.ts). Retries as bounded as the SCIM client's.
 */
export async function createActivityStore(tableName: string, env: NodeJS.ProcessEnv = process.env): Promise<ActivityStore> {
  const options: TableServiceClientOptions = {
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    httpClient: new FetchHttpClient((await loadTablesSdk()).RestError),
  };
  return new ActivityStore(await createTableClient({ ...storageConfigFromEnv(env), tableName }, options, env));
}
