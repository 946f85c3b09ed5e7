// What Table Storage (here Azurite) says when one action of an entity-group transaction fails, which the membership
// writes rely on: the failing action's index starts the message ("2:The specified resource does not exist."), and a
// delete inside a transaction can be made conditional on an ETag (TableOps' guarded deletes).
import { randomBytes } from 'node:crypto';
import { RestError, TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { failedAction } from '../../lib/store/storage-errors.js';
import { ConcurrencyError } from '../../lib/store/repository.js';
import { TableOps } from '../../lib/store/table-ops.js';

let client: TableClient;
let ops: TableOps;
const pk = 'p';

beforeAll(async () => {
  client = TableClient.fromConnectionString(inject('azuriteConnectionString'), `b${randomBytes(6).toString('hex')}`, { allowInsecureConnection: true });
  ops = new TableOps(client);
  await ops.ready();
  for (const rowKey of ['a', 'b', 'c']) await client.createEntity({ partitionKey: pk, rowKey, x: 1 });
});

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the transaction to fail');
}

describe('a failed transaction names its failing action', () => {
  it('a Merge of a missing row with ETag * fails with 404 at its index, and nothing is written', async () => {
    const error = await failure(() => client.submitTransaction([
      ['update', { partitionKey: pk, rowKey: 'a', y: 2 }, 'Merge'],
      ['create', { partitionKey: pk, rowKey: 'new-1' }],
      ['update', { partitionKey: pk, rowKey: 'missing' }, 'Merge', { etag: '*' }],
    ]));
    expect(error).toBeInstanceOf(RestError);
    expect(failedAction(error)).toEqual({ status: 404, index: 2 });
    expect((await client.getEntity(pk, 'a')).y).toBeUndefined();
  });

  it('a create of a present row fails with 409 at its index', async () => {
    const error = await failure(() => client.submitTransaction([
      ['update', { partitionKey: pk, rowKey: 'a' }, 'Merge'],
      ['create', { partitionKey: pk, rowKey: 'b' }],
    ]));
    expect(failedAction(error)).toEqual({ status: 409, index: 1 });
  });

  it('a Merge with ETag * changes the row ETag', async () => {
    const before = await client.getEntity(pk, 'c');
    await client.submitTransaction([['update', { partitionKey: pk, rowKey: 'c' }, 'Merge', { etag: '*' }]]);
    expect((await client.getEntity(pk, 'c')).etag).not.toBe(before.etag);
  });
});

describe('guarded deletes in a transaction', () => {
  it('a delete with a stale ETag fails the transaction (412 → ConcurrencyError); with the current one it deletes', async () => {
    await client.createEntity({ partitionKey: pk, rowKey: 'g', x: 1 });
    const read = await client.getEntity(pk, 'g');
    await client.updateEntity({ partitionKey: pk, rowKey: 'g', x: 2 }, 'Merge');
    const stale = await failure(() => ops.transaction([['delete', { partitionKey: pk, rowKey: 'g' }, { etag: read.etag }], ['delete', { partitionKey: pk, rowKey: 'a' }]]));
    expect(stale).toBeInstanceOf(ConcurrencyError);
    await client.getEntity(pk, 'a'); // still there: the transaction wrote nothing
    const current = await client.getEntity(pk, 'g');
    await ops.transaction([['delete', { partitionKey: pk, rowKey: 'g' }, { etag: current.etag }]]);
    await expect(client.getEntity(pk, 'g')).rejects.toMatchObject({ statusCode: 404 });
  });
});
