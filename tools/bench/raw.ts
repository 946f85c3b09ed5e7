// The raw-storage baseline: @azure/data-tables straight to Azurite, no SCIM in between. Point reads and inserts on a
// table seeded to the same number of rows (in one partition, like a tenant) with entities of a similar size.
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { closedLoop, forEachLimit, type LoadResult } from './measure.js';

const PARTITION = 'raw';

function rowKey(i: number): string {
  return `r${String(i).padStart(9, '0')}`;
}

function payload(i: number, chars: number): string {
  const unit = `user-${i}-lorem-ipsum-dolor-sit-amet-consectetur-adipiscing-elit-`;
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

export interface RawTable {
  client: TableClient;
  rows: number;
  payloadChars: number;
}

export async function createRawTable(client: TableClient, payloadChars: number): Promise<RawTable> {
  try {
    await client.createTable();
  } catch {
    // exists
  }
  return { client, rows: 0, payloadChars };
}

/**
 * Grows the table to `rows` rows with 100-entity transactions (8 in flight). Returns the time taken. Inserts, not
 * upserts: Azurite 3.35 scans the table for every upserted, merged or deleted entity in a batch (cost grows with the
 * table), while batched inserts stay flat.
 */
export async function growRawTable(table: RawTable, rows: number): Promise<number> {
  const started = performance.now();
  const batches: [number, number][] = [];
  for (let from = table.rows; from < rows; from += 100) batches.push([from, Math.min(rows, from + 100)]);
  await forEachLimit(batches, 8, async ([from, to]) => {
    const actions: TransactionAction[] = [];
    for (let i = from; i < to; i++) actions.push(['create', { partitionKey: PARTITION, rowKey: rowKey(i), id: `id-${i}`, version: 1, d0: payload(i, table.payloadChars) }]);
    await table.client.submitTransaction(actions);
  });
  table.rows = Math.max(table.rows, rows);
  return performance.now() - started;
}

export function rawPointReads(table: RawTable, concurrency: number, seconds: number): Promise<LoadResult> {
  return closedLoop({ concurrency, seconds }, async () => {
    const i = Math.floor(Math.random() * table.rows);
    const entity = await table.client.getEntity(PARTITION, rowKey(i));
    return entity.rowKey === rowKey(i);
  });
}

export function rawInserts(table: RawTable, concurrency: number, seconds: number): Promise<LoadResult> {
  const prefix = `ins${Date.now().toString(36)}-`;
  return closedLoop({ concurrency, seconds }, async (i) => {
    await table.client.createEntity({ partitionKey: `${PARTITION}-inserts`, rowKey: `${prefix}${i}`, id: `id-${i}`, version: 1, d0: payload(i, table.payloadChars) });
  });
}

/** Number of rows in a table (RowKey only, page by page). */
export async function countRows(client: TableClient): Promise<number> {
  let n = 0;
  for await (const page of client.listEntities({ queryOptions: { select: ['RowKey'] } }).byPage({ maxPageSize: 1000 })) n += page.length;
  return n;
}
