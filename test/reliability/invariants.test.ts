// The invariant checker itself: it must see each kind of damage it claims to detect (else the race, fuzz and fault
// tests would pass vacuously). Rows are damaged directly in the table, then restored.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { deletedEvent } from '../../lib/events/event.js';
import { pendingEventAction } from '../../lib/events/keys.js';
import { keys } from '../../lib/store/keys.js';
import { checkInvariants, tableClient } from '../helpers/invariants.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let table: TableClient;
let userId: string;
let groupId: string;
const userName = `inv-${randomUUID()}@x.com`;
const tenant = 'default';

beforeAll(async () => {
  stack = await startStack();
  table = tableClient(inject('azuriteConnectionString'), stack.tableName);
  const user = await stack.call('POST', '/Users', entraUser(userName));
  userId = user.body.id as string;
  const group = await stack.call('POST', '/Groups', { displayName: `Inv ${randomUUID()}`, members: [{ value: userId }] });
  groupId = group.body.id as string;
  // An unfiltered list sets the counters' baseline if the background step after the first create has not yet.
  await stack.call('GET', '/Users?count=1');
  await stack.call('GET', '/Groups?count=1');
});

/** Moves the User counter's baseline by `delta` (as a counted create or delete would move a shard). */
async function moveUserCount(delta: number): Promise<() => Promise<void>> {
  const base = await table.getEntity<Record<string, unknown>>(tenant, keys.counterBase('User'));
  await table.updateEntity({ partitionKey: tenant, rowKey: keys.counterBase('User'), base: Number(base.base) + delta }, 'Merge');
  return async () => void (await table.updateEntity({ partitionKey: tenant, rowKey: keys.counterBase('User'), base: Number(base.base) }, 'Merge'));
}
afterAll(() => stack.close());

const violations = async (allowTombstones = false) => (await checkInvariants(inject('azuriteConnectionString'), stack.tableName, { allowTombstones })).violations;

/** Applies `damage`, expects a violation matching `pattern`, then puts the removed/changed rows back. */
async function detects(pattern: RegExp, damage: () => Promise<() => Promise<void>>): Promise<void> {
  const restore = await damage();
  try {
    const found = await violations();
    expect(found.some((v) => pattern.test(v)), `${pattern} not in:\n${found.join('\n')}`).toBe(true);
  } finally {
    await restore();
  }
  expect(await violations()).toEqual([]);
}

async function removeRow(rowKey: string): Promise<() => Promise<void>> {
  const row = await table.getEntity(tenant, rowKey);
  await table.deleteEntity(tenant, rowKey);
  const { etag: _etag, timestamp: _timestamp, ...entity } = row as Record<string, unknown> & { partitionKey: string; rowKey: string };
  return async () => void (await table.createEntity(entity));
}

async function addRow(entity: { partitionKey: string; rowKey: string } & Record<string, unknown>): Promise<() => Promise<void>> {
  await table.createEntity(entity);
  return async () => void (await table.deleteEntity(entity.partitionKey, entity.rowKey));
}

describe('the invariant checker', () => {
  it('finds nothing wrong with data written through the service', async () => {
    expect(await violations()).toEqual([]);
  });

  it('detects a resource counter that disagrees with the live resources (lib/store/counters.ts)', async () => {
    await detects(/User counter says/, () => moveUserCount(1));
    const stray = keys.counterShard('User', 0).replace(/\d\d$/, 'zz');
    await detects(/unexpected counter row/, () => addRow({ partitionKey: tenant, rowKey: stray, count: 0 }));
  });

  it('detects a resource without its name row, and a name row without its resource', async () => {
    await detects(/missing name row/, () => removeRow(keys.uniqueName('User', userName.toLowerCase())));
    await detects(/name row without its resource/, () => removeRow(keys.resource('User', userId)));
  });

  it('detects a missing or orphaned externalId row', async () => {
    const externalKey = keys.externalId('User', userName.split('@')[0], userId);
    await detects(/missing externalId row/, () => removeRow(externalKey));
    const orphan = randomUUID();
    await detects(/externalId row without its resource/, () => addRow({ partitionKey: tenant, rowKey: keys.externalId('User', 'x', orphan), id: orphan }));
  });

  it('detects a duplicate userName (case-insensitive)', async () => {
    const row = (await table.getEntity(tenant, keys.resource('User', userId))) as Record<string, unknown>;
    const other = randomUUID();
    const data = JSON.stringify({ userName: userName.toUpperCase() });
    await detects(/duplicate userName/, () => addRow({ partitionKey: tenant, rowKey: keys.resource('User', other), id: other, version: row.version, chunks: 1, d0: data }));
  });

  it('detects a membership row without its reverse row, or the reverse', async () => {
    await detects(/member row without its reverse row/, () => removeRow(keys.memberOf(userId, groupId)));
    await detects(/reverse row without its member row/, () => removeRow(keys.member(groupId, userId)));
  });

  it('detects a member whose row says it is in no group (reads would skip its groups)', async () => {
    await detects(/whose row says it is in no group/, async () => {
      await table.updateEntity({ partitionKey: tenant, rowKey: keys.resource('User', userId), memberOfNone: true }, 'Merge');
      return async () => void (await table.updateEntity({ partitionKey: tenant, rowKey: keys.resource('User', userId), memberOfNone: false }, 'Merge'));
    });
  });

  it('detects a membership of a missing member or group', async () => {
    const ghost = randomUUID();
    await detects(/membership of a missing user/, async () => {
      const a = await addRow({ partitionKey: tenant, rowKey: keys.member(groupId, ghost), value: ghost, type: 'User' });
      const b = await addRow({ partitionKey: tenant, rowKey: keys.memberOf(ghost, groupId), group: groupId });
      return async () => {
        await a();
        await b();
      };
    });
  });

  it('detects a change without its event, and an event without its change', async () => {
    const eventRows = async () => {
      const rows: { rowKey: string }[] = [];
      for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}' and RowKey ge 'EP:' and RowKey lt 'EP;'` } })) rows.push(row as { rowKey: string });
      return rows as (Record<string, unknown> & { partitionKey: string; rowKey: string })[];
    };
    const userEvent = (await eventRows()).find((r) => r.rowKey.includes(userId));
    expect(userEvent).toBeDefined();
    await detects(/has events for versions \[\]/, async () => {
      await table.deleteEntity(tenant, String(userEvent?.rowKey));
      return async () => void (await table.createEntity(userEvent as Record<string, unknown> & { partitionKey: string; rowKey: string }));
    });
    const ghost = { id: randomUUID(), type: 'User' as const, data: { userName: 'ghost@x.com' }, created: new Date().toISOString(), lastModified: new Date().toISOString(), version: 3, etag: '' };
    const [, invented] = pendingEventAction(tenant, deletedEvent(tenant, ghost, [])) as [string, Record<string, unknown> & { partitionKey: string; rowKey: string }];
    await detects(/not a complete history ending in its delete/, async () => {
      await table.createEntity(invented);
      return async () => void (await table.deleteEntity(tenant, invented.rowKey));
    });
  });

  it('reports a resource marked deleting as a tombstone: a violation unless tombstones are allowed', async () => {
    const rowKeys = [keys.resource('User', userId), keys.uniqueName('User', userName.toLowerCase())];
    for (const rowKey of rowKeys) await table.updateEntity({ partitionKey: tenant, rowKey, deleting: true }, 'Merge');
    // The mark commits the delete, so it carries the deleted event (lib/store/table-repository.ts delete()).
    const user = await table.getEntity<Record<string, unknown>>(tenant, keys.resource('User', userId));
    const gone = { id: userId, type: 'User' as const, data: { userName }, created: '', lastModified: new Date().toISOString(), version: Number(user.version) + 1, etag: '' };
    const [, event] = pendingEventAction(tenant, deletedEvent(tenant, gone, [])) as [string, Record<string, unknown> & { partitionKey: string; rowKey: string }];
    await table.createEntity(event);
    const restoreCount = await moveUserCount(-1); // the mark carries the counter's decrement too
    try {
      expect((await violations()).join('\n')).toMatch(/marked deleting/);
      // Its membership is tolerated only as part of a tombstone awaiting repair.
      expect(await violations(true)).toEqual([]);
    } finally {
      for (const rowKey of rowKeys) await table.updateEntity({ partitionKey: tenant, rowKey, deleting: false }, 'Merge');
      await table.deleteEntity(tenant, event.rowKey);
      await restoreCount();
    }
    expect(await violations()).toEqual([]);
  });
});
