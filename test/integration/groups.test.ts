// Issue 5: groups and memberships through the real HTTP surface, as Entra ID drives them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

async function user(name = `u-${randomUUID()}@contoso.com`): Promise<string> {
  const reply = await stack.call('POST', '/Users', entraUser(name));
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function memberIds(groupId: string): Promise<string[]> {
  const reply = await stack.call('GET', `/Groups/${groupId}`);
  expect(reply.status).toBe(200);
  return (reply.body.members as { value: string }[]).map((m) => m.value).sort();
}

describe('Entra group flow', () => {
  it('queries, creates empty, adds members, removes them in both dialects, renames and deletes', async () => {
    const name = `Sales ${randomUUID()}`;
    const query = await stack.call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${name}"`)}`);
    expect(query.status).toBe(200);
    expect(query.body.totalResults).toBe(0);

    const created = await stack.call('POST', '/Groups', { schemas: [GROUP, ENTRA_GROUP], externalId: randomUUID(), displayName: name, meta: { resourceType: 'Group' } });
    expect(created.status).toBe(201);
    expect(created.body.members).toEqual([]);
    const id = created.body.id as string;

    const [a, b, c] = [await user(), await user(), await user()];
    const add = await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { $ref: null, value: b }, { value: c }] }] });
    expect(add.status).toBe(204);
    expect(await memberIds(id)).toEqual([a, b, c].sort());
    const full = await stack.call('GET', `/Groups/${id}`);
    // RFC 7643 §8.7.1: value, $ref and type (no display: it would cost a read of every member added).
    expect(full.body.members).toContainEqual({ value: a, $ref: `${stack.baseUrl}/Users/${a}`, type: 'User' });

    const removeDefault = await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: a }] }] });
    expect(removeDefault.status).toBe(204);
    expect(await memberIds(id)).toEqual([b, c].sort());
    const removeCompliant = await stack.call('PATCH', `/Groups/${id}?aadOptscim062020`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${b}"]` }] });
    expect(removeCompliant.status).toBe(204);
    expect(await memberIds(id)).toEqual([c]);

    const renamed = await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: `${name} renamed` }] });
    expect(renamed.status).toBe(204);
    const byNewName = await stack.call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${name} RENAMED"`)}`);
    expect(byNewName.body.totalResults).toBe(1);
    expect(byNewName.body.Resources[0]).not.toHaveProperty('members');
    const cGroups = await stack.call('GET', `/Users/${c}`);
    expect(cGroups.body.groups).toEqual([{ value: id, $ref: `${stack.baseUrl}/Groups/${id}`, display: `${name} renamed`, type: 'direct' }]);

    expect((await stack.call('DELETE', `/Groups/${id}`)).status).toBe(204);
    expect((await stack.call('GET', `/Groups/${id}`)).status).toBe(404);
    const cAfter = await stack.call('GET', `/Users/${c}`);
    expect(cAfter.body).not.toHaveProperty('groups');
  });

  it('answers Entra\'s membership check from the reverse rows: members[value eq] and members.value eq', async () => {
    const g = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Check ${randomUUID()}` })).body.id as string;
    const [m, other] = [await user(), await user()];
    await stack.call('PATCH', `/Groups/${g}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: m }] }] });
    for (const filter of [`id eq "${g}" and members[value eq "${m}"]`, `members.value eq "${m}"`, `members[value eq "${m}"]`]) {
      const hit = await stack.call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`);
      expect(hit.body.totalResults, filter).toBe(1);
      expect(hit.body.Resources[0].id).toBe(g);
    }
    const miss = await stack.call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`id eq "${g}" and members[value eq "${other}"]`)}`);
    expect(miss.body.totalResults).toBe(0);
  });
});

describe('group rules', () => {
  it('keeps displayName unique case-insensitively, on create and on rename', async () => {
    const name = `Unique ${randomUUID()}`;
    expect((await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: name })).status).toBe(201);
    const dup = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: name.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
    const other = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Other ${randomUUID()}` })).body.id as string;
    const rename = await stack.call('PATCH', `/Groups/${other}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: name.toLowerCase() }] });
    expect(rename.status).toBe(409);
  });

  it('rejects unknown or foreign member ids with 400 invalidValue naming them, applying nothing', async () => {
    const g = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Strict ${randomUUID()}` })).body.id as string;
    const known = await user();
    const unknown = randomUUID();
    const reply = await stack.call('PATCH', `/Groups/${g}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: known }, { value: unknown }] }] });
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe('invalidValue');
    expect(reply.body.detail).toContain(unknown);
    expect(await memberIds(g)).toEqual([]);
    const onCreate = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Bad ${randomUUID()}`, members: [{ value: unknown }] });
    expect(onCreate.status).toBe(400);
  });

  it('treats adding a present member and removing an absent one as no-ops, so a retried PATCH gives the same result', async () => {
    const g = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Idem ${randomUUID()}` })).body.id as string;
    const [a, b] = [await user(), await user()];
    const body = { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: a }] }, { op: 'Remove', path: 'members', value: [{ value: b }] }] };
    expect((await stack.call('PATCH', `/Groups/${g}`, body)).status).toBe(204);
    const version = (await stack.call('GET', `/Groups/${g}`)).body.meta.version;
    expect((await stack.call('PATCH', `/Groups/${g}`, body)).status).toBe(204);
    const again = await stack.call('GET', `/Groups/${g}`);
    expect(again.body.members.map((m: { value: string }) => m.value)).toEqual([a]);
    expect(again.body.meta.version).toBe(version);
  });

  it('accepts nested groups as members, but not a group inside itself', async () => {
    const outer = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Outer ${randomUUID()}` })).body.id as string;
    const inner = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Inner ${randomUUID()}` })).body.id as string;
    const ok = await stack.call('PATCH', `/Groups/${outer}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: inner, type: 'Group' }] }] });
    expect(ok.status).toBe(204);
    expect((await stack.call('GET', `/Groups/${outer}`)).body.members).toEqual([expect.objectContaining({ value: inner, type: 'Group' })]);
    const self = await stack.call('PATCH', `/Groups/${outer}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: outer }] }] });
    expect(self.status).toBe(400);
  });

  it('replaces the member set on PUT by writing only the difference', async () => {
    const [a, b, c] = [await user(), await user(), await user()];
    const name = `Put ${randomUUID()}`;
    const g = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: name, members: [{ value: a }, { value: b }] })).body.id as string;
    expect(await memberIds(g)).toEqual([a, b].sort());
    const put = await stack.call('PUT', `/Groups/${g}`, { schemas: [GROUP], displayName: name, members: [{ value: b }, { value: c }] });
    expect(put.status).toBe(200);
    expect((put.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual([b, c].sort());
    expect(await memberIds(g)).toEqual([b, c].sort());
  });
});

describe("a user's groups (RFC 7643 §4.1: returned by default)", () => {
  const callsOf = async (path: string) => {
    const before = totalStorageCalls();
    const reply = await stack.call('GET', path);
    expect(reply.status, reply.text).toBe(200);
    return { body: reply.body, calls: totalStorageCalls() - before };
  };
  const groupIdsOf = (resource: { groups?: { value: string }[] }) => (resource.groups ?? []).map((g) => g.value).sort();

  it('come with GET, the userName lookup and a list page, at one range read each; excludedAttributes=groups saves it', async () => {
    const prefix = `grp-${randomUUID()}`;
    const [a, b, none] = [await user(`${prefix}-a@contoso.com`), await user(`${prefix}-b@contoso.com`), await user(`${prefix}-n@contoso.com`)];
    const g1 = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `One ${prefix}`, members: [{ value: a }, { value: b }] })).body.id as string;
    const g2 = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Two ${prefix}`, members: [{ value: b }] })).body.id as string;

    const get = await callsOf(`/Users/${b}`);
    expect(groupIdsOf(get.body)).toEqual([g1, g2].sort());
    expect(get.body.groups).toContainEqual({ value: g2, $ref: `${stack.baseUrl}/Groups/${g2}`, display: `Two ${prefix}`, type: 'direct' });
    expect(get.calls).toBe(2);
    expect((await callsOf(`/Users/${b}?excludedAttributes=groups`)).calls).toBe(1);

    const lookup = await callsOf(`/Users?filter=${encodeURIComponent(`userName eq "${prefix}-A@contoso.com"`)}`);
    expect(groupIdsOf(lookup.body.Resources[0])).toEqual([g1]);
    expect(lookup.calls).toBe(2);
    expect((await callsOf(`/Users?excludedAttributes=groups&filter=${encodeURIComponent(`userName eq "${prefix}-a@contoso.com"`)}`)).calls).toBe(1);

    // A page of a (filtered) id-order scan: one range read over the page's id span, each user given only its own groups.
    const filter = encodeURIComponent(`userName sw "${prefix}"`);
    const page = await callsOf(`/Users?filter=${filter}`);
    const byId = new Map((page.body.Resources as { id: string; groups?: { value: string }[] }[]).map((r) => [r.id, groupIdsOf(r)]));
    expect(Object.fromEntries(byId)).toEqual({ [a]: [g1], [b]: [g1, g2].sort(), [none]: [] });
    expect(page.body.Resources.find((r: { id: string }) => r.id === none)).not.toHaveProperty('groups');
    expect(page.calls - (await callsOf(`/Users?excludedAttributes=groups&filter=${filter}`)).calls).toBe(1);

    // A user never added to a group says so on its own row (every member add clears it): no reverse-row read on GET,
    // PATCH or DELETE. The name row's copy cannot say it (member adds do not touch it), so the lookup still reads.
    const lone = await callsOf(`/Users/${none}`);
    expect(lone.body).not.toHaveProperty('groups');
    expect(lone.calls).toBe(1);
    const before0 = totalStorageCalls();
    const patched = await stack.call('PATCH', `/Users/${none}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: 'Lone' }] });
    expect(patched.status).toBe(200);
    expect(totalStorageCalls() - before0).toBe(2);
    expect((await callsOf(`/Users/${none}`)).calls).toBe(1);
    const before1 = totalStorageCalls();
    expect((await stack.call('DELETE', `/Users/${none}`)).status).toBe(204);
    expect(totalStorageCalls() - before1).toBe(2);

    // A new user has no groups: the create's response reads none.
    const before = totalStorageCalls();
    const created = await stack.call('POST', '/Users', entraUser(`${prefix}-new@contoso.com`));
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('groups');
    expect(totalStorageCalls() - before).toBe(1);
  });
});
