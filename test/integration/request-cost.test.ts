// Issue 18, bounded cost per request (the security audit): a request's content cannot multiply its storage calls.
// Counted like lookup-cost.test.ts does: the repository's storage-call counter (lib/store/metrics.ts) around one
// request at a time, against the real HTTP surface of the local host (the activity log's writes are not counted: they
// belong to no request and run after it).
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { MAX_FILTER_LOOKUPS } from '../../lib/scim/list-plan.js';
import { totalStorageCalls, withRequestMetrics } from '../../lib/store/metrics.js';
import { TableRepository } from '../../lib/store/table-repository.js';
import { expectInvariants } from '../helpers/invariants.js';
import { enc, PATCH_OP } from '../helpers/population.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
const userIds: string[] = [];
const userNames: string[] = [];
let groupId: string;

beforeAll(async () => {
  stack = await startStack();
  for (let i = 0; i < 20; i++) {
    const name = `cost-${i}-${randomUUID().slice(0, 8)}@contoso.com`;
    const reply = await stack.call('POST', '/Users', entraUser(name));
    expect(reply.status).toBe(201);
    userIds.push(reply.body.id);
    userNames.push(name);
  }
  const g = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Cost ${randomUUID()}` });
  expect(g.status).toBe(201);
  groupId = g.body.id;
});

afterAll(async () => {
  await expectInvariants(inject('azuriteConnectionString'), stack.tableName);
  await stack.close();
});

async function measured(method: string, path: string, body?: unknown): Promise<{ reply: ScimReply; calls: number }> {
  const before = totalStorageCalls();
  const reply = await stack.call(method, path, body);
  return { reply, calls: totalStorageCalls() - before };
}

const addMembers = (members: { value: string; type?: string }[]) => ({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members }] });
const orOfUserNames = (names: string[]) => names.map((n) => `userName eq "${n}"`).join(' or ');

describe('or-ed lookups in a filter', () => {
  it(`answers up to ${MAX_FILTER_LOOKUPS} or-ed userName lookups with one point read each`, async () => {
    const names = userNames.slice(0, MAX_FILTER_LOOKUPS);
    const { reply, calls } = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}`);
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(MAX_FILTER_LOOKUPS);
    expect(calls).toBe(MAX_FILTER_LOOKUPS);
  });

  it('refuses 141 or-ed userName lookups with 400 tooMany before reading anything (RFC 7644 §3.12)', async () => {
    const names = Array.from({ length: 141 }, (_, i) => `n${i}@x.io`); // short: the filter stays under the 4,096-character limit
    const { reply, calls } = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}`);
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe('tooMany');
    expect(reply.body.detail).toContain(String(MAX_FILTER_LOOKUPS));
    expect(calls).toBe(0);
  });

  it('counts the same lookup named twice once', async () => {
    const names = [...userNames.slice(0, MAX_FILTER_LOOKUPS), ...userNames.slice(0, 3)];
    const { reply, calls } = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}`);
    expect(reply.status).toBe(200);
    expect(calls).toBeLessThanOrEqual(names.length);
  });
});

describe('member ids in a group PATCH', () => {
  it('the default limit is 16 members per request; 2,000 ids answer 413 after one read of the group', async () => {
    expect(loadConfig({}).maxMembersPerPatch).toBe(16);
    const ids = Array.from({ length: 2000 }, () => ({ value: randomUUID() }));
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers(ids));
    expect(reply.status).toBe(413);
    expect(calls).toBe(1);
  });

  it('16 unknown untyped ids: 400 naming them after one round of User and Group reads (1 + 8 + 8 calls)', async () => {
    const ids = Array.from({ length: 16 }, () => randomUUID());
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers(ids.map((value) => ({ value }))));
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe('invalidValue');
    expect(reply.body.detail).toContain(ids[0]);
    expect(reply.body.detail).not.toContain(ids[15]); // the second round was never read
    expect(calls).toBe(1 + 8 + 8);
  });

  it('the type hint reads that type only: 16 unknown ids typed "User" cost 1 + 8 calls', async () => {
    const ids = Array.from({ length: 16 }, () => ({ value: randomUUID(), type: 'User' }));
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers(ids));
    expect(reply.status).toBe(400);
    expect(calls).toBe(1 + 8);
  });

  it('an id that is not one of ours is unknown without a read', async () => {
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers([{ value: userIds[0] }, { value: 'not-an-id' }]));
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain('not-an-id');
    expect(calls).toBe(1);
  });

  it('16 known users: one read of the group, one per member, one transaction', async () => {
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers(userIds.slice(0, 16).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(1 + 16 + 1);
    const members = await stack.call('GET', `/Groups/${groupId}`);
    expect(members.body.members).toHaveLength(16);
  });

  it('resolving 2,000 unknown ids in the repository stops after the first round (the audit: 4,000 reads before)', async () => {
    const client = TableClient.fromConnectionString(inject('azuriteConnectionString'), stack.tableName, { allowInsecureConnection: true });
    const repository = new TableRepository(client);
    await repository.ready();
    const refs = Array.from({ length: 2000 }, () => ({ value: randomUUID() }));
    const { result, metrics } = await withRequestMetrics(() => repository.resolveMembers('default', refs));
    expect(result.missing).toHaveLength(8);
    expect(metrics.storageCalls).toBe(16);
  });
});

describe('a large PATCH of one user', () => {
  it('1,000 operations growing one array are refused with 413 after one read, and nothing is written', async () => {
    const id = userIds[19];
    const before = await stack.call('GET', `/Users/${id}`);
    const operations = Array.from({ length: 1000 }, (_, i) => ({ op: 'add', path: 'emails', value: [{ value: `u${i}-${'x'.repeat(150)}@example.com`, type: 'other' }] }));
    const { reply, calls } = await measured('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: operations });
    expect(reply.status).toBe(413);
    expect(reply.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(calls).toBe(1);
    const after = await stack.call('GET', `/Users/${id}`);
    expect(after.body.meta.version).toBe(before.body.meta.version);
  });
});
