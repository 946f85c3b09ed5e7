// Deletes interrupted between their steps (mark deleting → remove memberships → remove the rows), as a crash or a
// storage outage leaves them. A delete whose memberships fit one transaction is that one transaction (nothing to
// interrupt); the steps are for resources with more than MULTI_STEP memberships, which these tests therefore build, and their repair: by the client's next DELETE of the id, or by a create or rename
// onto the name the half-deleted resource still holds. In between, the resource reads as gone and the invariants
// hold except for the tombstone itself.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import { getServices } from '../../lib/services.js';
import type { TableOps } from '../../lib/store/table-ops.js';
import { checkInvariants, expectInvariants } from '../helpers/invariants.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
afterEach(() => vi.restoreAllMocks());

const outage = () => new ScimError(503, undefined, 'The storage service is temporarily unavailable; retry later.', { 'Retry-After': '5' });

// The repository's internals are private; these tests reach them on purpose to stop a delete between its steps.
interface Internals {
  finishDelete(...args: unknown[]): Promise<void>;
  ops: TableOps;
}
async function internals(): Promise<Internals> {
  return (await getServices()).repository as unknown as Internals;
}

/** Makes the next delete stop right after step 1 (marked deleting), as if storage went away there. */
async function interruptAfterMark(): Promise<void> {
  vi.spyOn(await internals(), 'finishDelete').mockRejectedValueOnce(outage());
}

/** Makes the `n`-th transaction from now fail (a delete stopping part-way through removing memberships). */
async function failTransaction(n: number): Promise<void> {
  const { ops } = await internals();
  const original = ops.transaction.bind(ops);
  let count = 0;
  vi.spyOn(ops, 'transaction').mockImplementation(async (...args) => {
    if (++count === n) throw outage();
    return original(...args);
  });
}

async function user(name = `rep-${randomUUID()}@x.com`): Promise<string> {
  const reply = await stack.call('POST', '/Users', entraUser(name));
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function group(members: string[] = []): Promise<string> {
  const reply = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Repair ${randomUUID()}`, members: members.map((value) => ({ value })) });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

const connection = () => inject('azuriteConnectionString');

/** Memberships beyond what one delete transaction holds (100 actions: resource, name, event and 2 per pair). */
const MULTI_STEP = 49;

/** A user in MULTI_STEP groups (plus `g` if given), so its delete runs in steps. */
async function userInManyGroups(name?: string): Promise<string> {
  const id = await user(name);
  await Promise.all(Array.from({ length: MULTI_STEP }, () => group([id])));
  return id;
}

async function expectTombstones(n: number): Promise<void> {
  const report = await checkInvariants(connection(), stack.tableName, { allowTombstones: true });
  expect(report.violations).toEqual([]);
  expect(report.tombstones).toHaveLength(n);
  const strict = await checkInvariants(connection(), stack.tableName);
  expect(strict.violations.length).toBeGreaterThan(0);
}

describe('a DELETE interrupted after marking the resource deleting', () => {
  it('answers 503; the user reads as gone; the next DELETE finishes it (404) and removes its memberships', async () => {
    const name = `gone-${randomUUID()}@x.com`;
    const id = await userInManyGroups(name);
    const g = await group([id]);
    await interruptAfterMark();
    const interrupted = await stack.call('DELETE', `/Users/${id}`);
    expect(interrupted.status).toBe(503);
    expect(interrupted.headers.get('retry-after')).toBe('5');
    expect((await stack.call('GET', `/Users/${id}`)).status).toBe(404);
    for (const filter of [`userName eq "${name}"`, `externalId eq "${name.split('@')[0]}"`, `userName sw "gone-"`]) {
      expect((await stack.call('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body.Resources.map((r: { id: string }) => r.id)).not.toContain(id);
    }
    await expectTombstones(1);
    // A member add is checked by touching the member's row, which a tombstone still has: it is accepted, and the
    // repair below removes it with the rest (touching the row moved its ETag, so the repair reads the memberships again).
    const other = await group();
    expect((await stack.call('PATCH', `/Groups/${other}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })).status).toBe(204);
    await expectInvariants(connection(), stack.tableName, { allowTombstones: true });

    const retried = await stack.call('DELETE', `/Users/${id}`);
    expect(retried.status).toBe(404);
    expect((await stack.call('GET', `/Groups/${g}`)).body.members).toEqual([]);
    expect((await stack.call('GET', `/Groups/${other}`)).body.members).toEqual([]);
    await expectInvariants(connection(), stack.tableName);
  });

  it('a create onto the name the tombstone holds finishes the delete and succeeds', async () => {
    const name = `reuse-${randomUUID()}@x.com`;
    const id = await userInManyGroups(name);
    const g = await group([id]);
    await interruptAfterMark();
    expect((await stack.call('DELETE', `/Users/${id}`)).status).toBe(503);
    const again = await stack.call('POST', '/Users', entraUser(name.toUpperCase()));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    expect((await stack.call('GET', `/Groups/${g}`)).body.members).toEqual([]);
    await expectInvariants(connection(), stack.tableName);
  });

  it('a rename onto the name the tombstone holds finishes the delete and succeeds', async () => {
    const name = `rename-${randomUUID()}@x.com`;
    const id = await userInManyGroups(name);
    const other = await user();
    await interruptAfterMark();
    expect((await stack.call('DELETE', `/Users/${id}`)).status).toBe(503);
    const renamed = await stack.call('PATCH', `/Users/${other}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: name }] });
    expect(renamed.status).toBe(200);
    await expectInvariants(connection(), stack.tableName);
  });

  it('a group: members are not shown as members of anything after the repair', async () => {
    const members = await Promise.all(Array.from({ length: MULTI_STEP }, () => user()));
    const g = await group(members);
    await interruptAfterMark();
    expect((await stack.call('DELETE', `/Groups/${g}`)).status).toBe(503);
    expect((await stack.call('GET', `/Groups/${g}`)).status).toBe(404);
    await expectTombstones(1);
    expect((await stack.call('DELETE', `/Groups/${g}`)).status).toBe(404);
    for (const m of members) expect((await stack.call('GET', `/Users/${m}?attributes=groups`)).body.groups).toBeUndefined();
    await expectInvariants(connection(), stack.tableName);
  });
});

describe('a DELETE interrupted part-way through removing memberships', () => {
  it('a group of 120 members: the first membership batch removed, the rest repaired by the next DELETE', async () => {
    const members = await Promise.all(Array.from({ length: 120 }, () => user()));
    const g = await group();
    for (let i = 0; i < members.length; i += 15) {
      const add = await stack.call('PATCH', `/Groups/${g}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: members.slice(i, i + 15).map((value) => ({ value })) }] });
      expect(add.status).toBe(204);
    }
    // Transactions of the delete: 1 = mark, 2 = first membership batch (50 pairs), 3 = second batch → fails.
    await failTransaction(3);
    expect((await stack.call('DELETE', `/Groups/${g}`)).status).toBe(503);
    vi.restoreAllMocks();
    const report = await checkInvariants(connection(), stack.tableName, { allowTombstones: true });
    expect(report.violations).toEqual([]);
    expect(report.tombstones).toEqual([expect.objectContaining({ type: 'Group', id: g })]);
    expect((await stack.call('DELETE', `/Groups/${g}`)).status).toBe(404);
    await expectInvariants(connection(), stack.tableName);
  });

  it('a failure in the final row removal: repaired by the next DELETE', async () => {
    const id = await userInManyGroups();
    // 1 = mark, 2 = membership batch (49 pairs), 3 = final removal of the rows → fails.
    await failTransaction(3);
    expect((await stack.call('DELETE', `/Users/${id}`)).status).toBe(503);
    vi.restoreAllMocks();
    await expectTombstones(1);
    expect((await stack.call('DELETE', `/Users/${id}`)).status).toBe(404);
    await expectInvariants(connection(), stack.tableName);
  });
});
