// The storage primitives every Table Storage module uses: one counted round trip each, failures mapped for the
// SCIM layer, the table created on first use.
import { AsyncLocalStorage } from 'node:async_hooks';
import { SettingsReader } from '../settings-reader.js';
import type { TableClient, TableEntity, TableEntityResult, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { odata } from './tables-sdk.js';
import { countStorageCall } from './metrics.js';
import { failedAction, isConflict, isNotFound, toScimStorageError, type FailedAction } from './storage-errors.js';

export type Row = TableEntityResult<Record<string, unknown>>;

// Point reads of one request in flight at once: enough to hide latency, few enough that one request cannot queue
// hundreds of reads ahead of everyone else's.
const POINT_READ_CONCURRENCY = 8;
/**
 * Upper bound for one storage round trip, retries included (SCIM_STORAGE_TIMEOUT_MS, default 8 s): a hung storage
 * service answers 503, not a hang. Point operations and transactions get it as a whole; scans get it per page.
 */
export function operationTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return new SettingsReader(env).int('SCIM_STORAGE_TIMEOUT_MS', 8000);
}
const deadline = () => ({ abortSignal: AbortSignal.timeout(operationTimeoutMs()) });
export const MAX_BATCH = 100;

/** A transaction action, or a delete that only succeeds while the row still has `etag` (412 otherwise). */
export type Action = TransactionAction | ['delete', TableEntity, { etag: string }];

type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

/** ETags of the guarded deletes in the transaction being sent from this async context, by sub-request row key. */
const deleteEtags = new AsyncLocalStorage<Map<string, string>>();

/**
 * `submitTransaction` sends every delete in a transaction with `If-Match: *` (it drops a delete's options), though
 * Table Storage honours an ETag there as for a single delete. This policy writes the ETag a guarded delete asked for
 * into its sub-request of the batch body (test/store/batch-errors.test.ts checks the 412 against Azurite).
 */
const guardedDeletes: PipelinePolicy = {
  name: 'scimGuardedDeletes',
  sendRequest(request, next) {
    const etags = deleteEtags.getStore();
    if (etags && typeof request.body === 'string') {
      request.body = request.body
        .split('\r\n--changeset')
        .map((part) => {
          const m = /^DELETE [^\r]*RowKey='([^']*)'\) HTTP\/1\.1\r\n/m.exec(part);
          const etag = m ? etags.get(decodeURIComponent(m[1]).replace(/''/g, "'")) : undefined;
          return etag ? part.replace('\r\nIf-Match: *\r\n', `\r\nIf-Match: ${etag}\r\n`) : part;
        })
        .join('\r\n--changeset');
      if (request.headers.has('Content-Length')) request.headers.set('Content-Length', Buffer.byteLength(request.body));
    }
    return next(request);
  },
};

export class TableOps {
  private tableReady: Promise<void> | undefined;

  constructor(readonly client: TableClient) {
    client.pipeline.removePolicy({ name: guardedDeletes.name }); // one per client, however many TableOps share it
    client.pipeline.addPolicy(guardedDeletes);
  }

  /** Creates the table on first use (idempotent), once per process. */
  ready(): Promise<void> {
    this.tableReady ??= (async () => {
      countStorageCall();
      try {
        await this.client.createTable(deadline());
      } catch (error) {
        if (!isConflict(error)) {
          this.tableReady = undefined;
          throw toScimStorageError(error);
        }
      }
    })();
    return this.tableReady;
  }

  async pointRead(partitionKey: string, rowKey: string, select?: string[]): Promise<Row | undefined> {
    await this.ready();
    countStorageCall();
    try {
      return await this.client.getEntity<Record<string, unknown>>(partitionKey, rowKey, { ...deadline(), ...(select ? { queryOptions: { select } } : {}) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toScimStorageError(error);
    }
  }

  /**
   * Submits one entity-group transaction. A 409 (a created row exists) is passed to `onConflict` so the caller can
   * say which uniqueness rule it broke; 412/404 become ConcurrencyError (see storage-errors.ts). `onActionFailed`
   * hears first which action failed (when the service says) and may return the error to throw instead.
   */
  async transaction(actions: Action[], onConflict?: () => Error, onActionFailed?: (failed: FailedAction) => Error | undefined): Promise<TableTransactionResponse> {
    await this.ready();
    countStorageCall();
    const etags = new Map<string, string>();
    const plain = actions.map((a): TransactionAction => {
      if (a[0] !== 'delete' || a.length < 3) return a as TransactionAction;
      etags.set(String(a[1].rowKey), (a[2] as { etag: string }).etag);
      return ['delete', a[1]];
    });
    try {
      const submit = () => this.client.submitTransaction(plain, deadline());
      return await (etags.size > 0 ? deleteEtags.run(etags, submit) : submit());
    } catch (error) {
      const failed = onActionFailed ? failedAction(error) : undefined;
      const mapped = failed && onActionFailed?.(failed);
      if (mapped) throw mapped;
      if (isConflict(error) && onConflict) throw onConflict();
      throw toScimStorageError(error);
    }
  }

  /** Streams rows with from <= RowKey < to (from exclusive when asked), one storage page at a time. */
  async *range(partitionKey: string, from: string, to: string, options: { exclusive?: boolean; select?: string[]; pageSize?: number } = {}): AsyncIterable<Row> {
    const filter = options.exclusive
      ? odata`PartitionKey eq ${partitionKey} and RowKey gt ${from} and RowKey lt ${to}`
      : odata`PartitionKey eq ${partitionKey} and RowKey ge ${from} and RowKey lt ${to}`;
    yield* this.query(filter, options.select, options.pageSize);
  }

  /**
   * Rows among `rowKeys` that exist, by point reads with bounded concurrency. (A filter of `RowKey eq a or RowKey eq
   * b` would be a partition scan in Table Storage, so it is never used.)
   */
  async rowsAmong(partitionKey: string, rowKeys: string[], select?: string[]): Promise<Row[]> {
    const found: Row[] = [];
    for (const part of chunk([...new Set(rowKeys)], POINT_READ_CONCURRENCY)) {
      const rows = await Promise.all(part.map((rowKey) => this.pointRead(partitionKey, rowKey, select)));
      for (const row of rows) if (row) found.push(row);
    }
    return found;
  }

  private async *query(filter: string, select?: string[], pageSize = 1000): AsyncIterable<Row> {
    await this.ready();
    // One signal for the scan, armed for each page in turn: every page is bounded, not the whole (long) scan.
    const controller = new AbortController();
    const pages = this.client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, select }, abortSignal: controller.signal })
      .byPage({ maxPageSize: pageSize });
    while (true) {
      let page: IteratorResult<Row[]>;
      const timer = setTimeout(() => controller.abort(), operationTimeoutMs());
      try {
        page = await pages.next();
      } catch (error) {
        countStorageCall();
        throw toScimStorageError(error);
      } finally {
        clearTimeout(timer);
      }
      // The iterator's final next() (no continuation token left) makes no request.
      if (page.done) return;
      countStorageCall();
      yield* page.value;
    }
  }
}

/** Splits actions into transactions of at most `size` actions. */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
