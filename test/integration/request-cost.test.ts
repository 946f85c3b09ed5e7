// Issue 18, bounded cost per request (the security audit): a request's content cannot multiply its storage calls.
// Counted like lookup-cost.test.ts does: the repository's storage-call counter (lib/store/metrics.ts) around one
// request at a time, against the real HTTP surface of the local host (the activity log's writes are not counted: they
// belong to no request and run after it).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { MAX_FILTER_LOOKUPS } from '../../lib/scim/list-plan.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { expectInvariants } from '../helpers/invariants.js';
import { enc, PATCH_OP } from '../helpers/population.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
const userIds: string[] = [];
const userNames: string[] = [];
let groupId: string;

const groupIds: string[] = [];

async function newGroup(): Promise<string> {
  const g = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Cost ${randomUUID()}` });
  expect(g.status).toBe(201);
  return g.body.id as string;
}

beforeAll(async () => {
  stack = await startStack();
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, async (_, j) => {
      const name = `cost-${i + j}-${randomUUID().slice(0, 8)}@contoso.com`;
      const reply = await stack.call('POST', '/Users', entraUser(name));
      expect(reply.status).toBe(201);
      userIds[i + j] = reply.body.id;
      userNames[i + j] = name;
    }));
  }
  groupId = await newGroup();
  for (let i = 0; i < 60; i++) groupIds.push(await newGroup());
}, 120_000);

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
  it(`answers up to ${MAX_FILTER_LOOKUPS} or-ed userName lookups with one point read each, and one groups read per user found`, async () => {
    const names = userNames.slice(0, MAX_FILTER_LOOKUPS);
    const { reply, calls } = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}`);
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(MAX_FILTER_LOOKUPS);
    expect(calls).toBe(2 * MAX_FILTER_LOOKUPS);
    const lean = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}&excludedAttributes=groups`);
    expect(lean.reply.body.totalResults).toBe(MAX_FILTER_LOOKUPS);
    expect(lean.calls).toBe(MAX_FILTER_LOOKUPS);
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
    const { reply, calls } = await measured('GET', `/Users?filter=${enc(orOfUserNames(names))}&excludedAttributes=groups`);
    expect(reply.status).toBe(200);
    expect(calls).toBeLessThanOrEqual(names.length);
  });
});

describe('member ids in a group PATCH (issue 18: no read per member; every request bounded)', () => {
  const version = async (id: string) => (await stack.call('GET', `/Groups/${id}?excludedAttributes=members`)).body.meta.version as string;
  const memberCount = async (id: string) => ((await stack.call('GET', `/Groups/${id}`)).body.members ?? []).length as number;

  it('the default limit is 100 members per request; 2,000 ids answer 413 after one read of the group', async () => {
    expect(loadConfig({}).maxMembersPerPatch).toBe(100);
    const ids = Array.from({ length: 2000 }, () => ({ value: randomUUID() }));
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers(ids));
    expect(reply.status).toBe(413);
    expect(calls).toBe(1);
  });

  it('10 users: one read of the group and one transaction (was 12: a read per member)', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 10).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(2);
    expect(await memberCount(g)).toBe(10);
  });

  it('100 users: one read, one transaction checking them all, then ⌈100/32⌉ = 4 transactions', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 100).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(1 + 1 + 4);
    expect(await memberCount(g)).toBe(100);
  });

  it('40 users: the first transaction adds 28 and checks the other 12, the second adds them (1 + 2 calls)', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 40).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(3);
    expect(await memberCount(g)).toBe(40);
  });

  it('re-adding 100 present members writes nothing: one failed transaction, one read of the member rows', async () => {
    const g = await newGroup();
    await stack.call('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 100).map((value) => ({ value }))));
    const before = await version(g);
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 100).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(1 + 1 + 1 + 1); // read, check of all 100, first add batch fails on a present row, member rows
    expect(await version(g)).toBe(before);
  });

  it('100 unknown ids without a type: 400 naming the first, after the check fails and one read as a Group; nothing written', async () => {
    const g = await newGroup();
    const before = await version(g);
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(ids.map((value) => ({ value }))));
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe('invalidValue');
    expect(reply.body.detail).toContain(ids[0]);
    expect(calls).toBe(3);
    expect(await version(g)).toBe(before);
  });

  it('an unknown id typed "User" among known ones: 400 after the one transaction that fails, nothing written', async () => {
    const g = await newGroup();
    const unknown = randomUUID();
    const members = [...userIds.slice(0, 20).map((value) => ({ value, type: 'User' })), { value: unknown, type: 'User' }];
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(members));
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain(unknown);
    expect(calls).toBe(2);
    expect(await memberCount(g)).toBe(0);
  });

  it('an unknown id in the last of several transactions still writes nothing (the first one checks every member)', async () => {
    const g = await newGroup();
    const unknown = randomUUID();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers([...userIds.slice(0, 90).map((value) => ({ value })), { value: unknown, type: 'User' }]));
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain(unknown);
    expect(calls).toBe(2);
    expect(await memberCount(g)).toBe(0);
  });

  it('an id that is not one of ours is unknown without a read or a write', async () => {
    const { reply, calls } = await measured('PATCH', `/Groups/${groupId}`, addMembers([{ value: userIds[0] }, { value: 'not-an-id' }]));
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain('not-an-id');
    expect(calls).toBe(1);
  });

  it('40 nested groups without a type: one correction (a failed transaction and a read), then the guess holds', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(groupIds.slice(0, 40).map((value) => ({ value }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(1 + 1 + 1 + 2);
    const members = (await stack.call('GET', `/Groups/${g}`)).body.members as { type: string }[];
    expect(members).toHaveLength(40);
    expect(members.every((m) => m.type === 'Group')).toBe(true);
  });

  it('nested groups typed "Group" cost what users do', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(groupIds.slice(0, 10).map((value) => ({ value, type: 'Group' }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(2);
  });

  it('untyped users and groups alternating: refused with 400 after a bounded number of corrections, nothing written', async () => {
    const g = await newGroup();
    const mixed = Array.from({ length: 100 }, (_, i) => ({ value: i % 2 === 0 ? userIds[i / 2] : groupIds[(i - 1) / 2] }));
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(mixed));
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain('"type"');
    expect(calls).toBeLessThanOrEqual(20);
    expect(await memberCount(g)).toBe(0);
    // Typed, the same list is added at the floor.
    const typed = mixed.map((m, i) => ({ ...m, type: i % 2 === 0 ? 'User' : 'Group' }));
    const ok = await measured('PATCH', `/Groups/${g}`, addMembers(typed));
    expect(ok.reply.status).toBe(204);
    expect(ok.calls).toBe(6);
  });

  it('one id listed 100 times is one member', async () => {
    const g = await newGroup();
    const { reply, calls } = await measured('PATCH', `/Groups/${g}`, addMembers(Array.from({ length: 100 }, () => ({ value: userIds[3] }))));
    expect(reply.status).toBe(204);
    expect(calls).toBe(2);
    expect(await memberCount(g)).toBe(1);
  });

  it('removing 100 absent members reads the member rows once and writes nothing; removing 100 present ones, ⌈100/48⌉ transactions', async () => {
    const g = await newGroup();
    const absent = await measured('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members', value: userIds.slice(0, 100).map((value) => ({ value })) }] });
    expect(absent.reply.status).toBe(204);
    expect(absent.calls).toBe(2);
    await stack.call('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 100).map((value) => ({ value }))));
    const present = await measured('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members', value: userIds.slice(0, 100).map((value) => ({ value })) }] });
    expect(present.reply.status).toBe(204);
    expect(present.calls).toBe(1 + 1 + 3);
    expect(await memberCount(g)).toBe(0);
  });
});

describe('creates and deletes at their floor (issue 18)', () => {
  it('POST /Groups without members: one transaction, the response renders members [] without a read', async () => {
    const { reply, calls } = await measured('POST', '/Groups', { schemas: [GROUP], displayName: `Floor ${randomUUID()}` });
    expect(reply.status).toBe(201);
    expect(reply.body.members ?? []).toEqual([]);
    expect(calls).toBe(1);
  });

  it('POST /Groups with 3 members: the create checks them, one transaction adds them; the body lists them', async () => {
    const { reply, calls } = await measured('POST', '/Groups', { schemas: [GROUP], displayName: `Floor ${randomUUID()}`, members: userIds.slice(0, 3).map((value) => ({ value })) });
    expect(reply.status).toBe(201);
    expect((reply.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual(userIds.slice(0, 3).sort());
    expect(calls).toBe(2);
  });

  it('POST /Groups with an unknown member creates nothing (one failed transaction and a read as a Group)', async () => {
    const displayName = `Floor ${randomUUID()}`;
    const { reply, calls } = await measured('POST', '/Groups', { schemas: [GROUP], displayName, members: [{ value: userIds[0] }, { value: randomUUID() }] });
    expect(reply.status).toBe(400);
    expect(calls).toBe(2);
    const found = await stack.call('GET', `/Groups?filter=${enc(`displayName eq "${displayName}"`)}`);
    expect(found.body.totalResults).toBe(0);
  });

  it('DELETE /Users/{id}: read, its groups, one transaction; in no group (its row says so) the groups read is skipped', async () => {
    const lonely = (await stack.call('POST', '/Users', entraUser(`del-${randomUUID()}@contoso.com`))).body.id as string;
    const none = await measured('DELETE', `/Users/${lonely}`);
    expect(none.reply.status).toBe(204);
    expect(none.calls).toBe(2);
    const member = (await stack.call('POST', '/Users', entraUser(`del-${randomUUID()}@contoso.com`))).body.id as string;
    for (let i = 0; i < 3; i++) await stack.call('PATCH', `/Groups/${await newGroup()}`, addMembers([{ value: member }]));
    const three = await measured('DELETE', `/Users/${member}`);
    expect(three.reply.status).toBe(204);
    expect(three.calls).toBe(3);
    expect((await stack.call('GET', `/Users/${member}`)).status).toBe(404);
  });

  it('DELETE /Groups/{id} with members and a parent group: read, its members, its groups, one transaction', async () => {
    const g = await newGroup();
    await stack.call('PATCH', `/Groups/${g}`, addMembers(userIds.slice(0, 20).map((value) => ({ value }))));
    await stack.call('PATCH', `/Groups/${groupId}`, addMembers([{ value: g, type: 'Group' }]));
    const { reply, calls } = await measured('DELETE', `/Groups/${g}`);
    expect(reply.status).toBe(204);
    expect(calls).toBe(4);
  });

  it('a user in 60 groups (more pairs than one transaction holds): mark, purge in transactions of 50 pairs, final delete', async () => {
    const member = (await stack.call('POST', '/Users', entraUser(`many-${randomUUID()}@contoso.com`))).body.id as string;
    for (const g of groupIds.slice(0, 60)) await stack.call('PATCH', `/Groups/${g}`, addMembers([{ value: member }]));
    const { reply, calls } = await measured('DELETE', `/Users/${member}`);
    expect(reply.status).toBe(204);
    expect(calls).toBe(1 + 1 + 1 + 2 + 1);
    for (const g of groupIds.slice(0, 60)) await stack.call('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] });
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
