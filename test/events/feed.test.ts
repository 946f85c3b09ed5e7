// Issue 16: the change feed over HTTP against Azurite — every event type from the requests Entra ID sends (both PATCH
// dialects), no event for failed or no-op requests, CloudEvents 1.0 fields, the app-facing resource, the pull API's
// cursor rules and bad input, tenant isolation, retention and tenant delete.
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { ChangeEvent } from '../../lib/events/event.js';
import { getServices } from '../../lib/services.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { expectInvariants } from '../helpers/invariants.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { ADMIN_KEY, feedGet, walk } from './helpers.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const FEED = '/manage/tenants/default/events';
const op = (o: string, path: string | undefined, value?: unknown) => ({ schemas: [PATCH], Operations: [{ op: o, ...(path ? { path } : {}), ...(value !== undefined ? { value } : {}) }] });

let stack: Stack;
beforeAll(async () => {
  // Member batches larger than one transaction need more members per request than the default allows.
  stack = await startStack({ SCIM_MAX_MEMBERS_PER_PATCH: '100' });
});
afterAll(() => stack.close());

/** The events after `cursor` (all of them from the start when absent). */
async function eventsAfter(cursor?: string): Promise<{ events: ChangeEvent[]; next: string }> {
  return walk(stack.baseUrl, FEED, { after: cursor, limit: 7 });
}

async function expectOk(reply: { status: number; text: string }, status: number): Promise<void> {
  expect(reply.status, reply.text).toBe(status);
}

describe('an event for every committed change, from Entra-shaped requests', () => {
  it('users: created, updated, deactivated (Entra "False"), reactivated, PUT → updated, deleted with its groups; nothing for no-ops and failures', async () => {
    const start = (await eventsAfter()).next;
    const userName = `ev-${randomUUID()}@contoso.com`;
    const roles = [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: JSON.stringify({ id: randomUUID(), value: 'Admin', displayName: 'Administrator' }) }];
    const created = await stack.call('POST', '/Users', entraUser(userName, { roles }));
    await expectOk(created, 201);
    const id = created.body.id as string;
    // Failed requests write nothing: a duplicate userName, an unknown id, a malformed PATCH.
    expect((await stack.call('POST', '/Users', entraUser(userName.toUpperCase()))).status).toBe(409);
    expect((await stack.call('PATCH', `/Users/${randomUUID()}`, op('Replace', 'title', 'x'))).status).toBe(404);
    expect((await stack.call('PATCH', `/Users/${id}`, op('Explode', 'title', 'x'))).status).toBe(400);

    await expectOk(await stack.call('PATCH', `/Users/${id}`, op('Replace', 'title', 'Lead')), 200); // default dialect
    await expectOk(await stack.call('PATCH', `/Users/${id}`, op('Replace', 'active', 'False')), 200); // Entra's deactivate
    await expectOk(await stack.call('PATCH', `/Users/${id}`, op('Replace', 'active', 'False')), 200); // same value: no-op
    await expectOk(await stack.call('PATCH', `/Users/${id}?aadOptscim062020`, op('replace', 'active', true)), 200); // compliant dialect
    await expectOk(await stack.call('PATCH', `/Users/${id}?aadOptscim062020`, op('replace', undefined, { displayName: 'Jo Young', title: 'Lead' })), 200);
    await expectOk(await stack.call('PATCH', `/Users/${id}`, op('Replace', 'active', 'False')), 200);
    // PUT with a changed attribute (and `active` back to true): one event, reactivated, listing everything that changed.
    const put = await stack.call('PUT', `/Users/${id}`, entraUser(userName, { roles, displayName: 'Jo' }));
    await expectOk(put, 200);
    await expectOk(await stack.call('PUT', `/Users/${id}`, entraUser(userName, { roles, displayName: 'Jo' })), 200); // same: no-op
    await expectOk(await stack.call('PUT', `/Users/${id}`, entraUser(userName, { roles, displayName: 'Jo Y' })), 200);
    const group = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Ev ${randomUUID()}`, members: [{ value: id }] });
    await expectOk(group, 201);
    await expectOk(await stack.call('DELETE', `/Users/${id}`), 204);
    expect((await stack.call('DELETE', `/Users/${id}`)).status).toBe(404);

    const { events } = await eventsAfter(start);
    const mine = events.filter((e) => e.data.id === id);
    expect(mine.map((e) => e.type)).toEqual([
      'scim.user.created',
      'scim.user.updated',
      'scim.user.deactivated',
      'scim.user.reactivated',
      'scim.user.updated',
      'scim.user.deactivated',
      'scim.user.reactivated',
      'scim.user.updated',
      'scim.user.deleted',
    ]);
    expect(mine.map((e) => e.data.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [first, title, off, on, both, , putOn, putName, deleted] = mine;
    expect(first).toMatchObject({
      specversion: '1.0',
      id: `${id}.1`,
      source: '/scim/v2/tenants/default',
      subject: `Users/${id}`,
      datacontenttype: 'application/json',
      data: { tenantId: 'default', resourceType: 'User', id, version: 1, userName, externalId: userName.split('@')[0], active: true },
    });
    expect(Date.parse(first.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(first.data.resource).toEqual({
      id,
      externalId: userName.split('@')[0],
      userName,
      active: true,
      name: { formatted: 'Jo Young', familyName: 'Young', givenName: 'Jo' },
      emails: [{ value: userName, type: 'work', primary: true }],
      roles: ['Admin'],
      looop: { area: 'EMEA', custom_1: 'c1', custom_2: 'c2', custom_3: 'c3', department: 'Sales', employee_id: 'E-1042', location: 'London', position: 'Account Executive', startAt: '2024-02-01' },
    });
    expect(title.data.changedAttributes).toEqual(['title']);
    expect(off.data).toMatchObject({ active: false, changedAttributes: ['active'], resource: { active: false, title: 'Lead' } });
    expect(on.data.changedAttributes).toEqual(['active']);
    expect(both.data.changedAttributes?.sort()).toEqual(['displayName']);
    expect(putOn.data.changedAttributes?.sort()).toEqual(['active', 'displayName', 'title']);
    expect(putName.data.changedAttributes).toEqual(['displayName']);
    expect(deleted.data).toMatchObject({ userName, active: true, groups: [{ value: group.body.id }] });
    expect(deleted.data.resource).toBeUndefined();
    // The SCIM side still stores the roles exactly as sent.
    expect(put.body.roles[0].value).toBe(roles[0].value);
    // One id per change, and the feed's own position in `sequence`.
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.map((e) => Number(e.sequence))).toEqual(events.map((_, i) => Number(events[0].sequence) + i));
  });

  it('roles as clean names, from SingleAppRoleAssignment and from the JSON-encoded complex mappings', async () => {
    const start = (await eventsAfter()).next;
    const roles = [
      { primary: 'True', value: 'Reader' },
      { value: JSON.stringify({ id: 'r-2', value: 'Writer', displayName: 'Writers' }) },
      { value: JSON.stringify({ id: 'r-3', displayName: 'Only display' }) },
      { value: '{not json' },
      { value: 'Reader' },
    ];
    const created = await stack.call('POST', '/Users', entraUser(`roles-${randomUUID()}@contoso.com`, { roles }));
    await expectOk(created, 201);
    const patched = await stack.call('PATCH', `/Users/${created.body.id}`, op('Add', 'roles', [{ value: JSON.stringify({ id: 'r-4', value: 'Approver', displayName: 'Approver' }) }]));
    await expectOk(patched, 200);
    const { events } = await eventsAfter(start);
    expect(events.map((e) => (e.data.resource as { roles: string[] }).roles)).toEqual([
      ['Reader', 'Writer', 'Only display', '{not json'],
      ['Reader', 'Writer', 'Only display', '{not json', 'Approver'],
    ]);
    expect(events[1].data.changedAttributes).toEqual(['roles']);
  });

  it('groups: created (then members.added), members added and removed in both dialects, renamed, deleted; no-op member changes give none', async () => {
    const start = (await eventsAfter()).next;
    const users: string[] = [];
    for (let i = 0; i < 3; i++) users.push((await stack.call('POST', '/Users', entraUser(`gm-${i}-${randomUUID()}@contoso.com`))).body.id as string);
    const startGroups = (await eventsAfter()).next;
    const displayName = `Group ${randomUUID()}`;
    const created = await stack.call('POST', '/Groups', { schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], externalId: 'g-ext', displayName, members: [{ value: users[0] }], meta: { resourceType: 'Group' } });
    await expectOk(created, 201);
    const id = created.body.id as string;
    const path = `/Groups/${id}`;
    await expectOk(await stack.call('PATCH', path, op('Add', 'members', [{ value: users[1] }, { value: users[2] }])), 204); // default dialect
    await expectOk(await stack.call('PATCH', path, op('Add', 'members', [{ value: users[1] }])), 204); // present: no-op
    await expectOk(await stack.call('PATCH', path, op('Remove', 'members', [{ value: users[1] }])), 204); // default dialect
    await expectOk(await stack.call('PATCH', `${path}?aadOptscim062020`, op('remove', `members[value eq "${users[2]}"]`)), 204); // compliant
    await expectOk(await stack.call('PATCH', path, op('Remove', 'members', [{ value: users[2] }])), 204); // absent: no-op
    await expectOk(await stack.call('PATCH', `${path}?aadOptscim062020`, op('add', 'members', [{ value: users[2] }])), 204);
    expect((await stack.call('PATCH', path, op('Add', 'members', [{ value: randomUUID() }]))).status).toBe(400); // unknown member: nothing
    await expectOk(await stack.call('PATCH', path, op('Replace', 'displayName', `${displayName} (renamed)`)), 204);
    await expectOk(await stack.call('PATCH', path, op('Replace', 'displayName', `${displayName} (renamed)`)), 204); // same: no-op
    await expectOk(await stack.call('PUT', path, { schemas: [GROUP], externalId: 'g-ext', displayName: `${displayName} (put)`, members: [{ value: users[2] }] }), 200);
    await expectOk(await stack.call('DELETE', path), 204);

    const { events } = await eventsAfter(startGroups);
    expect(events.map((e) => [e.type, e.data.version, e.data.members?.map((m) => m.value)])).toEqual([
      ['scim.group.created', 1, undefined],
      ['scim.group.members.added', 2, [users[0]]],
      ['scim.group.members.added', 3, [users[1], users[2]]],
      ['scim.group.members.removed', 4, [users[1]]],
      ['scim.group.members.removed', 5, [users[2]]],
      ['scim.group.members.added', 6, [users[2]]],
      ['scim.group.updated', 7, undefined],
      ['scim.group.updated', 8, undefined],
      ['scim.group.members.removed', 9, [users[0]]], // PUT replaces the member set
      ['scim.group.deleted', 10, undefined],
    ]);
    expect(events[0]).toMatchObject({ subject: `Groups/${id}`, data: { resourceType: 'Group', displayName, externalId: 'g-ext', resource: { id, displayName, externalId: 'g-ext' } } });
    expect(events[0].data.resource).not.toHaveProperty('members');
    expect(events[1].data).toMatchObject({ changedAttributes: ['members'], members: [{ value: users[0], type: 'User' }] });
    expect(events[6].data).toMatchObject({ displayName: `${displayName} (renamed)`, changedAttributes: ['displayName'] });
    expect(events[7].data).toMatchObject({ displayName: `${displayName} (put)`, changedAttributes: ['displayName'] });
    // The three users' creates came before, in order.
    const before = (await eventsAfter(start)).events.slice(0, 3);
    expect(before.map((e) => [e.type, e.data.id])).toEqual(users.map((u) => ['scim.user.created', u]));
  });

  it('a member change larger than one transaction: one event per batch, every member named once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await stack.call('POST', '/Users', entraUser(`big-${i}-${randomUUID()}@contoso.com`))).body.id as string);
    const start = (await eventsAfter()).next;
    const group = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Big ${randomUUID()}`, members: ids.map((value) => ({ value })) });
    await expectOk(group, 201);
    const { events } = await eventsAfter(start);
    expect(events[0].type).toBe('scim.group.created');
    const added = events.slice(1);
    expect(added.length).toBe(2);
    expect(added.every((e) => e.type === 'scim.group.members.added')).toBe(true);
    expect(added.flatMap((e) => e.data.members?.map((m) => m.value)).sort()).toEqual([...ids].sort());
  });
});

describe('the pull API', () => {
  it('pages by cursor: any limit walks the same events; next is valid after an empty page; limit is clamped at 1000', async () => {
    const all = await walk(stack.baseUrl, FEED, { limit: 1000 });
    expect(all.events.length).toBeGreaterThan(20);
    const byTwo = await walk(stack.baseUrl, FEED, { limit: 2 });
    expect(byTwo.events.map((e) => e.id)).toEqual(all.events.map((e) => e.id));
    expect(byTwo.next).toBe(all.next);
    const empty = await feedGet(stack.baseUrl, `${FEED}?after=${all.next}`);
    expect(empty).toEqual({ status: 200, body: { events: [], next: all.next } });
    const big = await feedGet(stack.baseUrl, `${FEED}?limit=100000`);
    expect(big.status).toBe(200);
    expect(big.body.events.length).toBe(Math.min(1000, all.events.length));
    const dflt = await feedGet(stack.baseUrl, FEED);
    expect(dflt.body.events.length).toBe(Math.min(100, all.events.length));
    // A change after the end: the saved cursor sees exactly it.
    const created = await stack.call('POST', '/Users', entraUser(`after-${randomUUID()}@contoso.com`));
    const more = await walk(stack.baseUrl, FEED, { after: all.next });
    expect(more.events.map((e) => e.id)).toEqual([`${created.body.id}.1`]);
  });

  it('bad input is a 400 SCIM error, an unknown tenant a 404, and the admin key is required', async () => {
    const { next } = await walk(stack.baseUrl, FEED);
    const [epoch, sequence] = next.split('-');
    const bad = [
      `${FEED}?after=nonsense`,
      `${FEED}?after=${epoch}-${Number(sequence) + 1000}`, // ahead of the feed: never handed out
      `${FEED}?after=${epoch}--1`,
      `${FEED}?limit=0`,
      `${FEED}?limit=-5`,
      `${FEED}?limit=1.5`,
      `${FEED}?limit=ten`,
      `${FEED}?since=yesterday`,
      `${FEED}?limit=1&limit=2`,
      '/manage/tenants/not-a-tenant/events',
      '/manage/events?tenant=../../x',
      '/manage/events?after=all.%%%',
      `/manage/events?after=all.${Buffer.from('{"default":"zzz"}').toString('base64url')}`,
      `/manage/events?after=all.${Buffer.from('[1]').toString('base64url')}`,
    ];
    for (const path of bad) {
      const reply = await feedGet(stack.baseUrl, path);
      expect(reply.status, path).toBe(400);
      expect(reply.body.schemas, path).toEqual([ERROR]);
      expect(reply.body.status, path).toBe('400');
      expect(typeof reply.body.detail, path).toBe('string');
    }
    for (const path of [`/manage/tenants/${randomUUID()}/events`, `/manage/events?tenant=${randomUUID()}`]) {
      const reply = await feedGet(stack.baseUrl, path);
      expect(reply.status, path).toBe(404);
      expect(reply.body.schemas, path).toEqual([ERROR]);
    }
    expect((await feedGet(stack.baseUrl, FEED, 'wrong-key')).status).toBe(401);
    // SCIM bearer tokens do not open the admin API.
    expect((await fetch(`${stack.baseUrl}${FEED}`, { headers: { Authorization: `Bearer ${stack.token}` } })).status).toBe(401);
  });

  it("tenants: one tenant's feed never shows another's; manage/events serves every tenant and tenant=", async () => {
    const made = await fetch(`${stack.baseUrl}/manage/tenants`, { method: 'POST', headers: { 'x-functions-key': ADMIN_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Fabrikam' }) });
    expect(made.status).toBe(201);
    const tenant = (await made.json()) as { tenantId: string; token: string };
    const other = await fetch(`${stack.baseUrl}/Users`, { method: 'POST', headers: { Authorization: `Bearer ${tenant.token}`, 'Content-Type': 'application/scim+json' }, body: JSON.stringify(entraUser(`fab-${randomUUID()}@fabrikam.com`)) });
    expect(other.status).toBe(201);
    const otherId = ((await other.json()) as { id: string }).id;

    const theirs = await walk(stack.baseUrl, `/manage/tenants/${tenant.tenantId}/events`);
    expect(theirs.events.map((e) => [e.type, e.data.id, e.data.tenantId, e.source])).toEqual([['scim.user.created', otherId, tenant.tenantId, `/scim/v2/tenants/${tenant.tenantId}`]]);
    const ours = await walk(stack.baseUrl, FEED);
    expect(ours.events.some((e) => e.data.id === otherId || e.data.tenantId !== 'default')).toBe(false);
    const viaParam = await walk(stack.baseUrl, `/manage/events`, { after: undefined, limit: 50 });
    const byTenant = (t: string) => viaParam.events.filter((e) => e.data.tenantId === t).map((e) => e.id);
    expect(byTenant('default')).toEqual(ours.events.map((e) => e.id));
    expect(byTenant(tenant.tenantId)).toEqual([`${otherId}.1`]);
    expect(viaParam.events.length).toBe(ours.events.length + 1);
    const one = await walk(stack.baseUrl, `/manage/events?tenant=${tenant.tenantId}`.split('?')[0], {});
    expect(one.events.length).toBe(viaParam.events.length);
    const single = await feedGet(stack.baseUrl, `/manage/events?tenant=${tenant.tenantId}`);
    expect(single.body.events.map((e: ChangeEvent) => e.id)).toEqual([`${otherId}.1`]);
    // The all-tenants cursor resumes: a new change in either tenant is the only thing the next walk shows.
    const again = await stack.call('POST', '/Users', entraUser(`resume-${randomUUID()}@contoso.com`));
    const resumed = await walk(stack.baseUrl, '/manage/events', { after: viaParam.next });
    expect(resumed.events.map((e) => e.id)).toEqual([`${again.body.id}.1`]);

    // Deleting the tenant deletes its events (they live in its partition).
    const deleted = await fetch(`${stack.baseUrl}/manage/tenants/${tenant.tenantId}`, { method: 'DELETE', headers: { 'x-functions-key': ADMIN_KEY } });
    expect(deleted.status).toBe(200);
    expect((await feedGet(stack.baseUrl, `/manage/tenants/${tenant.tenantId}/events`)).status).toBe(404);
    const table = TableClient.fromConnectionString(inject('azuriteConnectionString'), stack.tableName, { allowInsecureConnection: true });
    const left: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant.tenantId}'`, select: ['RowKey'] } })) left.push(String(row.rowKey));
    expect(left).toEqual([]);
  });

  it('reading costs O(page): one range read when caught up, plus one transaction per 49 events sequenced and one page read', async () => {
    const { next } = await walk(stack.baseUrl, FEED);
    const cost = async (path: string) => {
      const before = totalStorageCalls();
      const reply = await feedGet(stack.baseUrl, path);
      return { calls: totalStorageCalls() - before, events: reply.body.events.length as number };
    };
    expect(await cost(`${FEED}?after=${next}`)).toEqual({ calls: 1, events: 0 });
    for (let i = 0; i < 60; i++) await stack.call('POST', '/Users', entraUser(`cost-${i}-${randomUUID()}@contoso.com`));
    expect(await cost(`${FEED}?after=${next}&limit=1000`)).toEqual({ calls: 1 + 2 + 1, events: 60 });
    expect(await cost(`${FEED}?after=${next}&limit=10`)).toEqual({ calls: 2, events: 10 });
    const total = (await walk(stack.baseUrl, FEED, { limit: 1000 })).events.length;
    expect(await cost(`${FEED}?limit=1000`)).toEqual({ calls: 2, events: Math.min(total, 1000) });
  });
});

describe('in storage', () => {
  it('every resource has one event per version, and the sequenced events are dense', async () => {
    await expectInvariants(inject('azuriteConnectionString'), stack.tableName);
  });
});

describe('retention', () => {
  it('a sweep removes events older than SCIM_EVENTS_RETENTION_DAYS (oldest first, bounded), pending ones too; cursors stay valid', async () => {
    const { events } = await getServices();
    expect(events.config.retentionDays).toBe(7);
    const before = await walk(stack.baseUrl, FEED, { limit: 1000 });
    const oldCursor = `${before.next.split('-')[0]}-1`;
    const later = Date.now() + 8 * 86_400_000;
    expect(await events.sweep('default', later, 5)).toBe(5); // bounded
    const afterFive = await feedGet(stack.baseUrl, `${FEED}?after=${oldCursor}&limit=1`);
    expect(Number(afterFive.body.events[0].sequence)).toBe(6);
    // Pending (not yet read, so not yet sequenced) events expire too, and never take a sequence number.
    await stack.call('POST', '/Users', entraUser(`pending-${randomUUID()}@contoso.com`));
    const swept = await events.sweep('default', later, 100_000);
    expect(swept).toBe(before.events.length - 5 + 1);
    const now = await feedGet(stack.baseUrl, `${FEED}?after=${oldCursor}`);
    expect(now.body).toEqual({ events: [], next: before.next });
    // Events younger than the retention stay.
    const fresh = await stack.call('POST', '/Users', entraUser(`fresh-${randomUUID()}@contoso.com`));
    expect(await events.sweep('default', Date.now(), 1000)).toBe(0);
    expect((await walk(stack.baseUrl, FEED, { after: oldCursor })).events.map((e) => e.id)).toEqual([`${fresh.body.id}.1`]);
  });
});
