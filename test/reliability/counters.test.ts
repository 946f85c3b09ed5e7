// The resource counters (lib/store/counters.ts) stay exact under concurrency: two repository instances over one table
// (two "processes", each with its own cached shards) create and delete at once, with failed creates (a userName taken)
// and failed deletes (a stale ETag) mixed in; afterwards the count equals the live rows, and the invariant checker
// (which compares every counter with the rows) finds nothing. Also: a partition whose resources predate the counters
// counts by scanning until a quiet full count sets its baseline, and a baseline raced by a write is refused.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TableTransactionResponse } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import { ResourceCounters } from '../../lib/store/counters.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { ConcurrencyError, type StoredResource } from '../../lib/store/repository.js';
import { TableOps } from '../../lib/store/table-ops.js';
import { TableRepository } from '../../lib/store/table-repository.js';
import { expectInvariants, tableClient } from '../helpers/invariants.js';
import { mapLimit, seedUser } from '../helpers/population.js';

const connection = () => inject('azuriteConnectionString');
const tableName = `c${randomBytes(6).toString('hex')}`;
const newRepository = () => new TableRepository(tableClient(connection(), tableName));

beforeAll(async () => {
  await newRepository().ready();
});

/** The live resources of a type, by scanning (what the counters must agree with). */
async function scanned(repository: TableRepository, tenant: string, type: 'User' | 'Group'): Promise<number> {
  let n = 0;
  for await (const _ of repository.scan(tenant, type)) n++;
  return n;
}

/** Waits until the counters report an exact total (the background baseline after a first write). */
async function exactCount(repository: TableRepository, tenant: string, type: 'User' | 'Group' = 'User'): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { total } = await repository.count(tenant, type);
    if (total !== undefined) return total;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the counters never got a baseline');
}

async function deleteCounterRows(tenant: string): Promise<void> {
  const client = tableClient(connection(), tableName);
  for await (const row of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}' and RowKey ge 'C:' and RowKey lt 'C;'` } })) {
    await client.deleteEntity(tenant, String(row.rowKey));
  }
}

/** A create that may lose its name: 409 uniqueness is an expected outcome here. */
async function tryCreate(repository: TableRepository, tenant: string, data: Record<string, unknown>): Promise<StoredResource | undefined> {
  try {
    return await repository.create(tenant, 'User', data);
  } catch (error) {
    if (error instanceof ScimError && error.status === 409) return undefined;
    throw error;
  }
}

/** A delete with a copy that may be stale (another delete or an update won): ConcurrencyError is expected. */
async function tryDelete(repository: TableRepository, tenant: string, existing: StoredResource): Promise<boolean> {
  try {
    await repository.delete(tenant, existing);
    return true;
  } catch (error) {
    if (error instanceof ConcurrencyError) return false;
    throw error;
  }
}

describe('resource counters', () => {
  it('stay exact under concurrent creates and deletes from two processes, with failed creates and failed deletes', async () => {
    const tenant = randomUUID();
    const a = newRepository();
    const b = newRepository();
    const first = await a.create(tenant, 'User', seedUser('first', 0));
    expect(await exactCount(a, tenant)).toBe(1);

    // 40 names each, plus 20 both try (one create of each fails with 409): 100 users.
    const shared = Array.from({ length: 20 }, (_, i) => seedUser('shared', i));
    const own = (prefix: string) => Array.from({ length: 40 }, (_, i) => seedUser(prefix, i));
    const [createdA, createdB] = await Promise.all([
      mapLimit([...own('a'), ...shared], 8, (data) => tryCreate(a, tenant, data)),
      mapLimit([...shared, ...own('b')], 8, (data) => tryCreate(b, tenant, data)),
    ]);
    const created = [...createdA, ...createdB].filter((r): r is StoredResource => r !== undefined);
    expect(created).toHaveLength(100);
    expect(await a.count(tenant, 'User')).toMatchObject({ total: 101 });

    // Deletes from both processes at once, the same resources from both for half of them (one of each pair fails),
    // stale copies for some (an update won first: the delete fails), and more creates meanwhile.
    const victims = created.filter((_, i) => i % 2 === 0); // 50
    const stale = created.filter((_, i) => i % 10 === 1); // 10, updated before their delete
    for (const r of stale) await a.update(tenant, r, { ...r.data, title: 'changed' });
    const results = await Promise.all([
      mapLimit([...victims, ...stale], 8, (r) => tryDelete(a, tenant, r)),
      mapLimit(victims.slice(0, 25), 8, (r) => tryDelete(b, tenant, r)),
      mapLimit(own('c').slice(0, 20), 8, (data) => tryCreate(b, tenant, data)),
    ]);
    expect(results[1].filter((ok) => !ok).length + results[0].slice(0, 25).filter((ok) => !ok).length).toBe(25);
    expect(results[0].slice(victims.length).every((ok) => !ok)).toBe(true); // stale copies never delete
    expect(results[2].every((r) => r !== undefined)).toBe(true);

    const live = 1 + 100 - 50 + 20;
    expect(await scanned(a, tenant, 'User')).toBe(live);
    expect(await a.count(tenant, 'User')).toEqual({ total: live });
    expect(await b.count(tenant, 'User')).toEqual({ total: live });
    // Every counter of every tenant in the table against its rows (test/helpers/invariants.ts).
    await expectInvariants(connection(), tableName);
    void first;
  });

  it('two processes writing through the same shard: the loser re-reads it and retries; the count stays exact', async () => {
    const tenant = randomUUID();
    const ops = () => new TableOps(tableClient(connection(), tableName));
    // Both pick shard 0 first (and then the lowest one they do not hold), so they collide on purpose.
    const one = new ResourceCounters(ops(), () => 0);
    const two = new ResourceCounters(ops(), () => 0);
    const before = await one.count(tenant, 'Group');
    expect(before.total).toBeUndefined();
    await before.baseline?.(0);
    expect(await one.count(tenant, 'Group')).toEqual({ total: 0 });
    const writer = (counters: ResourceCounters, client: TableOps) => (i: number) =>
      counters.commit(tenant, 'Group', 1, (counter): Promise<TableTransactionResponse> => client.transaction([['create', { partitionKey: tenant, rowKey: `Z:${randomUUID()}`, i }], counter]));
    const calls = totalStorageCalls();
    const opsOne = ops();
    const opsTwo = ops();
    await Promise.all([mapLimit(range(40), 8, writer(one, opsOne)), mapLimit(range(40), 8, writer(two, opsTwo))]);
    expect(totalStorageCalls() - calls).toBeGreaterThan(80); // some commits met the other process's shard (412)
    expect(await two.count(tenant, 'Group')).toEqual({ total: 80 });
    const client = tableClient(connection(), tableName);
    let rows = 0;
    for await (const _ of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}' and RowKey ge 'Z:' and RowKey lt 'Z;'` } })) rows++;
    expect(rows).toBe(80);
    for await (const row of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}'` } })) await client.deleteEntity(tenant, String(row.rowKey));
  });

  it('a partition whose resources predate the counters is counted by scanning until a full count sets the baseline', async () => {
    const tenant = randomUUID();
    const writer = newRepository();
    for (let i = 0; i < 3; i++) await writer.create(tenant, 'User', seedUser('legacy', i));
    await exactCount(writer, tenant);
    await deleteCounterRows(tenant); // as if the three had been written before the counters existed

    const reader = newRepository();
    const legacy = await reader.count(tenant, 'User');
    expect(legacy.total).toBeUndefined();
    await legacy.baseline?.(await scanned(reader, tenant, 'User'));
    expect(await reader.count(tenant, 'User')).toEqual({ total: 3 });
    await reader.create(tenant, 'User', seedUser('legacy', 3));
    expect(await writer.count(tenant, 'User')).toEqual({ total: 4 });
    await expectInvariants(connection(), tableName);
  });

  it('a baseline offered after a create committed meanwhile is refused (the count stays unknown, never wrong)', async () => {
    const tenant = randomUUID();
    const writer = newRepository();
    await writer.create(tenant, 'User', seedUser('raced', 0));
    await exactCount(writer, tenant);
    await deleteCounterRows(tenant);

    const reader = newRepository();
    const read = await reader.count(tenant, 'User');
    const stale = await scanned(reader, tenant, 'User');
    await writer.create(tenant, 'User', seedUser('raced', 1)); // moves a shard after the read
    await read.baseline?.(stale);
    expect((await reader.count(tenant, 'User')).total).toBeUndefined();
    expect(await reader.count(tenant, 'User').then((c) => c.baseline)).toBeTypeOf('function');
    await expectInvariants(connection(), tableName);
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
