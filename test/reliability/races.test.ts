// Races through the real HTTP surface: concurrent creates of one name, cross renames, PATCH vs DELETE, concurrent
// member adds/removes on one group, deletes while a membership is being added. Each test ends with the storage
// invariants (no duplicate name, no index row without its resource or the reverse, no membership row without its
// reverse row or pointing at a deleted resource) and no response is ever a 5xx.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { expectInvariants } from '../helpers/invariants.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';
import { expectWellFormed } from './scim-assert.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const invariants = () => expectInvariants(inject('azuriteConnectionString'), stack.tableName);

async function call(method: string, path: string, body?: unknown): Promise<ScimReply> {
  const reply = await stack.call(method, path, body);
  expectWellFormed(reply, `${method} ${path}`);
  return reply;
}

async function user(name = `race-${randomUUID()}@contoso.com`): Promise<string> {
  const reply = await call('POST', '/Users', entraUser(name));
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function group(name = `Race ${randomUUID()}`, members: string[] = []): Promise<string> {
  const reply = await call('POST', '/Groups', { schemas: [GROUP], displayName: name, members: members.map((value) => ({ value })) });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

const patch = (operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const addMembers = (ids: string[]) => patch([{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }]);
const removeMembers = (ids: string[]) => patch([{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }]);

async function memberIds(groupId: string): Promise<string[]> {
  const reply = await call('GET', `/Groups/${groupId}`);
  expect(reply.status).toBe(200);
  return (reply.body.members as { value: string }[]).map((m) => m.value).sort();
}

async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return fn();
}

function countStatuses(replies: ScimReply[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of replies) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe('concurrent creates of one unique name', () => {
  it('20 parallel creates of one userName (case variants): exactly one 201, the rest 409 uniqueness', async () => {
    const name = `dup-${randomUUID()}@contoso.com`;
    const variants = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? name.toUpperCase() : i % 3 === 1 ? name : name.replace('dup', 'DUP')));
    const replies = await Promise.all(variants.map((n) => call('POST', '/Users', entraUser(n))));
    expect(countStatuses(replies)).toEqual({ 201: 1, 409: 19 });
    for (const r of replies.filter((x) => x.status === 409)) expect(r.body.scimType).toBe('uniqueness');
    const found = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
    expect(found.body.totalResults).toBe(1);
    await invariants();
  });

  it('20 parallel creates of one displayName: exactly one 201', async () => {
    const name = `Dup group ${randomUUID()}`;
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', '/Groups', { schemas: [GROUP], displayName: i % 2 ? name : name.toLowerCase() })));
    expect(countStatuses(replies)).toEqual({ 201: 1, 409: 19 });
    await invariants();
  });

  it('parallel creates racing a delete of the same userName: never two holders', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `recreate-${randomUUID()}@contoso.com`;
      const id = await user(name);
      const replies = await Promise.all([call('DELETE', `/Users/${id}`), ...Array.from({ length: 8 }, () => call('POST', '/Users', entraUser(name)))]);
      expect(replies[0].status).toBe(204);
      const created = replies.slice(1).filter((r) => r.status === 201);
      expect(created.length).toBeLessThanOrEqual(1);
      for (const r of replies.slice(1)) expect([201, 409]).toContain(r.status);
    }
    await invariants();
  });
});

describe('cross renames', () => {
  it('A→B while B→A: both refused or serialized, never a duplicate or a lost name row', async () => {
    for (let round = 0; round < 10; round++) {
      const [a, b] = [`cross-a-${randomUUID()}@x.com`, `cross-b-${randomUUID()}@x.com`];
      const [ida, idb] = [await user(a), await user(b)];
      const replies = await Promise.all([
        call('PATCH', `/Users/${ida}`, patch([{ op: 'replace', path: 'userName', value: b }])),
        call('PATCH', `/Users/${idb}`, patch([{ op: 'replace', path: 'userName', value: a }])),
      ]);
      for (const r of replies) expect([200, 409]).toContain(r.status);
      const names = await Promise.all([ida, idb].map(async (id) => (await call('GET', `/Users/${id}`)).body.userName as string));
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(2);
    }
    await invariants();
  });

  it('A→C while B→C, and rotations A→B, B→C, C→A in parallel', async () => {
    for (let round = 0; round < 10; round++) {
      const [a, b, c] = ['a', 'b', 'c'].map((p) => `rot-${p}-${randomUUID()}@x.com`);
      const [ida, idb] = [await user(a), await user(b)];
      const both = await Promise.all([ida, idb].map((id) => call('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'userName', value: c.toUpperCase() }]))));
      expect(countStatuses(both)).toEqual({ 200: 1, 409: 1 });
      const winner = both[0].status === 200 ? ida : idb;
      const loser = winner === ida ? idb : ida;
      // The winner holds C, the loser its own name; rotate three names among three users.
      const third = await user();
      const ids = [winner, loser, third];
      const before = await Promise.all(ids.map(async (id) => (await call('GET', `/Users/${id}`)).body.userName as string));
      const rotate = await Promise.all(ids.map((id, i) => call('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'userName', value: before[(i + 1) % 3] }]))));
      for (const r of rotate) expect([200, 409]).toContain(r.status);
      const after = await Promise.all(ids.map(async (id) => ((await call('GET', `/Users/${id}`)).body.userName as string).toLowerCase()));
      expect(new Set(after).size).toBe(3);
    }
    await invariants();
  });

  it('group displayName swaps in parallel', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [`Swap A ${randomUUID()}`, `Swap B ${randomUUID()}`];
      const [ga, gb] = [await group(a), await group(b)];
      const replies = await Promise.all([
        call('PATCH', `/Groups/${ga}`, patch([{ op: 'replace', path: 'displayName', value: b }])),
        call('PATCH', `/Groups/${gb}`, patch([{ op: 'replace', path: 'displayName', value: a }])),
        call('PUT', `/Groups/${ga}`, { schemas: [GROUP], displayName: `${a} put` }),
      ]);
      for (const r of replies) expect([200, 204, 409]).toContain(r.status);
    }
    await invariants();
  });
});

describe('PATCH vs DELETE', () => {
  it('parallel PATCHes and a DELETE of one user (a member of groups): the user and all its rows are gone', async () => {
    const g = await group();
    for (let round = 0; round < 10; round++) {
      const id = await user();
      expect((await call('PATCH', `/Groups/${g}`, addMembers([id]))).status).toBe(204);
      const replies = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => call('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'title', value: `t${i}` }, { op: 'replace', path: 'userName', value: `renamed-${i}-${randomUUID()}@x.com` }]))),
        call('DELETE', `/Users/${id}`),
        ...Array.from({ length: 3 }, () => call('PUT', `/Users/${id}`, entraUser(`put-${randomUUID()}@x.com`))),
      ]);
      expect(replies[6].status).toBe(204);
      for (const r of replies) expect([200, 204, 404, 409]).toContain(r.status);
      expect((await call('GET', `/Users/${id}`)).status).toBe(404);
      expect(await memberIds(g)).not.toContain(id);
    }
    await invariants();
  });

  it('two DELETEs of one user: one 204, one 204 or 404', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await user();
      const replies = await Promise.all([call('DELETE', `/Users/${id}`), call('DELETE', `/Users/${id}`), call('DELETE', `/Users/${id}`)]);
      expect(replies.filter((r) => r.status === 204).length).toBeGreaterThanOrEqual(1);
      for (const r of replies) expect([204, 404]).toContain(r.status);
    }
    await invariants();
  });
});

describe('concurrent member changes on one group', () => {
  it('disjoint adds in parallel: none is lost', async () => {
    const members = await Promise.all(Array.from({ length: 30 }, () => user()));
    const g = await group();
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => call('PATCH', `/Groups/${g}`, addMembers(members.slice(i * 3, i * 3 + 3)))));
    expect(countStatuses(replies)).toEqual({ 204: 10 });
    expect(await memberIds(g)).toEqual([...members].sort());
    const removes = await Promise.all(Array.from({ length: 10 }, (_, i) => call('PATCH', `/Groups/${g}`, removeMembers(members.slice(i * 3, i * 3 + 3)))));
    expect(countStatuses(removes)).toEqual({ 204: 10 });
    expect(await memberIds(g)).toEqual([]);
    await invariants();
  });

  it('the same add sent 10 times in parallel is idempotent', async () => {
    const members = await Promise.all(Array.from({ length: 5 }, () => user()));
    const g = await group();
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('PATCH', `/Groups/${g}`, addMembers(members))));
    expect(countStatuses(replies)).toEqual({ 204: 10 });
    expect(await memberIds(g)).toEqual([...members].sort());
    const removes = await Promise.all(Array.from({ length: 10 }, () => call('PATCH', `/Groups/${g}`, patch([{ op: 'remove', path: `members[value eq "${members[0]}"]` }]))));
    expect(countStatuses(removes)).toEqual({ 204: 10 });
    expect(await memberIds(g)).toEqual(members.slice(1).sort());
    await invariants();
  });

  it('overlapping adds and removes in parallel: the final membership is a state some order of them produces', async () => {
    const members = await Promise.all(Array.from({ length: 12 }, () => user()));
    const g = await group(undefined, members.slice(0, 4));
    const bodies = Array.from({ length: 30 }, (_, i) => {
      const pick = [members[i % 12], members[(i * 5 + 3) % 12], members[(i * 7 + 1) % 12]];
      return i % 2 === 0 ? addMembers(pick) : removeMembers(pick);
    });
    const replies = await Promise.all(bodies.map((b) => call('PATCH', `/Groups/${g}`, b)));
    expect(countStatuses(replies)).toEqual({ 204: 30 });
    const final = new Set(await memberIds(g));
    // Each member's final presence must equal the effect of the last request (in some serial order) that touched it:
    // a member only added ends up present, only removed ends up absent.
    for (const m of members) {
      const added = bodies.some((b, i) => i % 2 === 0 && JSON.stringify(b).includes(m));
      const removed = bodies.some((b, i) => i % 2 === 1 && JSON.stringify(b).includes(m));
      if (added && !removed) expect(final.has(m)).toBe(true);
      if (removed && !added) expect(final.has(m)).toBe(false);
      if (!added && !removed) expect(final.has(m)).toBe(members.slice(0, 4).includes(m));
    }
    await invariants();
  });

  it('one user added to many groups in parallel, while its attributes are patched', async () => {
    const id = await user();
    const groups = await Promise.all(Array.from({ length: 12 }, () => group()));
    const replies = await Promise.all([
      ...groups.map((g) => call('PATCH', `/Groups/${g}`, addMembers([id]))),
      ...Array.from({ length: 4 }, (_, i) => call('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'title', value: `t${i}` }]))),
    ]);
    expect(countStatuses(replies)).toEqual({ 200: 4, 204: 12 });
    const groupsOfUser = (await call('GET', `/Users/${id}?attributes=groups`)).body.groups as { value: string }[];
    expect(groupsOfUser.map((g) => g.value).sort()).toEqual([...groups].sort());
    await invariants();
  });
});

describe('deletes while a membership is being added', () => {
  it('user DELETE racing its addition to a group: never a membership of a deleted user', async () => {
    const g = await group();
    const statuses: Record<string, number> = {};
    for (let round = 0; round < 20; round++) {
      const [id, other] = [await user(), await user()];
      // Staggered starts so both orders (and the interleavings between) occur.
      const [added, deleted] = await Promise.all([call('PATCH', `/Groups/${g}`, addMembers([other, id])), later((round % 7) * 3, () => call('DELETE', `/Users/${id}`))]);
      expect(deleted.status).toBe(204);
      // 204 (added before the delete; the delete then removed the row) or 400 (unknown member, nothing added).
      expect([204, 400]).toContain(added.status);
      statuses[`patch ${added.status}`] = (statuses[`patch ${added.status}`] ?? 0) + 1;
      const now = await memberIds(g);
      expect(now).not.toContain(id);
      if (added.status === 400) expect(now).not.toContain(other);
      else expect(now).toContain(other);
    }
    console.log(`[races] add-vs-delete outcomes: ${JSON.stringify(statuses)}`);
    await invariants();
  });

  // Issue 18: an add checks its member by touching the member's row (no read), and a delete reads the memberships and
  // then removes them in one ETag-guarded transaction (or, past one transaction, in steps with a guarded final delete
  // that purges again). Either way an add landing at any point of a delete leaves no membership row behind.
  for (const [kind, groupsBefore] of [['in one transaction (3 groups)', 3], ['in steps (50 groups, more than one transaction holds)', 50]] as const) {
    it(`user DELETE ${kind} racing adds of the user to other groups: never an orphaned member or reverse row`, async () => {
      const targets = await Promise.all(Array.from({ length: 4 }, () => group()));
      const outcomes: Record<string, number> = {};
      for (let round = 0; round < 4; round++) {
        const id = await user();
        await Promise.all(Array.from({ length: groupsBefore }, () => group(undefined, [id])));
        const [deleted, ...added] = await Promise.all([
          call('DELETE', `/Users/${id}`),
          ...targets.map((g, i) => later(((round + i) % 4) * 5, () => call('PATCH', `/Groups/${g}`, addMembers([id])))),
        ]);
        expect(deleted.status).toBe(204);
        for (const a of added) {
          // 204 (added before the delete, which then removed it, or onto its tombstone, removed by the purge) or 400.
          expect([204, 400]).toContain(a.status);
          outcomes[a.status] = (outcomes[a.status] ?? 0) + 1;
        }
        for (const g of targets) expect(await memberIds(g)).not.toContain(id);
        expect((await call('GET', `/Users/${id}`)).status).toBe(404);
      }
      console.log(`[races] delete ${kind} vs adds: ${JSON.stringify(outcomes)}`);
      await invariants();
    });
  }

  it('group DELETE racing member adds and a rename: the group and all its rows are gone', async () => {
    const members = await Promise.all(Array.from({ length: 6 }, () => user()));
    for (let round = 0; round < 10; round++) {
      const g = await group(undefined, members.slice(0, 2));
      const replies = await Promise.all([
        call('PATCH', `/Groups/${g}`, addMembers(members.slice(2, 4))),
        later((round % 4) * 4, () => call('DELETE', `/Groups/${g}`)),
        call('PATCH', `/Groups/${g}`, addMembers(members.slice(4, 6))),
        call('PATCH', `/Groups/${g}`, patch([{ op: 'replace', path: 'displayName', value: `Renamed ${randomUUID()}` }])),
      ]);
      expect(replies[1].status).toBe(204);
      for (const r of replies) expect([204, 404, 409]).toContain(r.status);
      expect((await call('GET', `/Groups/${g}`)).status).toBe(404);
    }
    for (const m of members) expect((await call('GET', `/Users/${m}?attributes=groups`)).body.groups).toBeUndefined();
    await invariants();
  });

  it('a group added to another group while being deleted', async () => {
    for (let round = 0; round < 10; round++) {
      const [parent, child] = [await group(), await group()];
      const [added, deleted] = await Promise.all([
        call('PATCH', `/Groups/${parent}`, patch([{ op: 'add', path: 'members', value: [{ value: child, type: 'Group' }] }])),
        later((round % 5) * 4, () => call('DELETE', `/Groups/${child}`)),
      ]);
      expect(deleted.status).toBe(204);
      expect([204, 400]).toContain(added.status);
      expect(await memberIds(parent)).toEqual([]);
    }
    await invariants();
  });
});
