// Issue 14: our mirror of Microsoft's 2026 Entra app-gallery validation — the 11 tests that call the SCIM endpoint
// directly (AzureAD/SCIMReferenceCode, Microsoft.SCIM.LogicAppValidationTemplate, SCIMTests_Workflow) — and of the
// SCIM Validator's cases, each PATCH in both body forms Entra uses: the default dialect (capitalised ops, one path per
// operation) and the compliant one (`?aadOptscim062020`: lower-case ops, one path-less replace with dotted keys).
// Every SCIM call here is made with an OAuth access token from our own token endpoint, as the validation does.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type CreatedTenant } from '../auth/helpers.js';
import { admin, basic, tokenRequest } from '../auth/oauth-helpers.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
let tenant: CreatedTenant;
let accessToken: string;
let keyServer: http.Server;

/** A SCIM call with the OAuth access token; `compliant` appends the aadOptscim062020 flag as Entra does. */
async function scim(method: string, path: string, body?: unknown, compliant = false): Promise<ScimReply> {
  const sep = path.includes('?') ? '&' : '?';
  return stack.call(method, compliant ? `${path}${sep}aadOptscim062020` : path, body, { Authorization: `Bearer ${accessToken}` });
}

const patch = (ops: unknown[]) => ({ schemas: [PATCH_OP], Operations: ops });

/** Both PATCH body forms for "set these attributes": one Replace per path, or one path-less replace with dotted keys. */
const FORMS = {
  default: (values: Record<string, unknown>) => ({ compliant: false, body: patch(Object.entries(values).map(([path, value]) => ({ op: 'Replace', path, value }))) }),
  compliant: (values: Record<string, unknown>) => ({ compliant: true, body: patch([{ op: 'replace', value: values }]) }),
};

async function createUser(userName = `u-${randomUUID()}@contoso.com`, extra: Record<string, unknown> = {}): Promise<{ id: string; userName: string }> {
  const res = await scim('POST', '/Users', entraUser(userName, extra));
  expect(res.status).toBe(201);
  return { id: res.body.id, userName };
}

async function createGroup(displayName = `g-${randomUUID()}`): Promise<{ id: string; displayName: string }> {
  const res = await scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName, externalId: randomUUID() });
  expect(res.status).toBe(201);
  return { id: res.body.id, displayName };
}

/** The value at an Entra-style flattened path (`name.givenName`, `emails[type eq "work"].value`, `urn:...:attr`). */
function valueAt(resource: Record<string, unknown>, path: string): unknown {
  if (path.startsWith(`${ENT}:`)) return (resource[ENT] as Record<string, unknown> | undefined)?.[path.slice(ENT.length + 1)];
  const typed = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
  if (typed) return (resource[typed[1]] as Record<string, unknown>[] | undefined)?.find((v) => v.type === typed[2])?.[typed[3]];
  const [head, sub] = path.split('.');
  const v = resource[head];
  return sub === undefined ? v : (v as Record<string, unknown> | undefined)?.[sub];
}

beforeAll(async () => {
  stack = await startStack({ SCIM_AUTH_CACHE_SECONDS: '0', SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS: 'true' });
  tenant = await createTenant('Gallery ISV');
  const client = (await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, { name: 'validation' })).body;
  accessToken = (await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret))).body.access_token;
});

afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => (keyServer ? keyServer.close(() => resolve()) : resolve()));
});

describe('the 11 direct tests of the gallery validation', () => {
  it('Schema_Discoverability_Test: every attribute the Entra job and our mappings target is discoverable in /Schemas', async () => {
    const res = await scim('GET', '/Schemas');
    expect(res.status).toBe(200);
    const resources = res.body.Resources as { id: string; attributes: Attr[] }[];
    expect(resources.length).toBeGreaterThan(0);
    const user = flatten(resources.find((s) => s.id === CORE_USER)?.attributes ?? []);
    for (const ext of resources.filter((s) => s.id !== CORE_USER && s.id !== CORE_GROUP)) for (const a of ext.attributes) user.push(`${ext.id}:${a.name}`);
    const group = flatten(resources.find((s) => s.id === CORE_GROUP)?.attributes ?? []);
    const lower = (names: string[]) => new Set(names.map((n) => n.toLowerCase()));
    const [userNames, groupNames] = [lower(user), lower(group)];
    const targets = mappedTargets();
    expect(targets.user.length).toBeGreaterThan(15);
    expect(targets.user.filter((n) => n !== 'id' && !userNames.has(n.toLowerCase()))).toEqual([]);
    expect(targets.group.filter((n) => n !== 'id' && !groupNames.has(n.toLowerCase()))).toEqual([]);
    expect(userNames.has('externalid')).toBe(true);
    expect(groupNames.has('externalid')).toBe(true);
  });

  for (const [form, build] of Object.entries(FORMS)) {
    it(`SCIM_Null_Update_Test (${form} form): optional attributes PATCHed to "" and then null read back empty`, async () => {
      const { id } = await createUser(undefined, { displayName: 'Jo Young', title: 'Chef', preferredLanguage: 'en-GB', nickName: 'jo' });
      const attrs = ['displayName', 'title', 'preferredLanguage', 'nickName', 'name.givenName', `${ENT}:department`];
      for (const empty of ['', null]) {
        const { compliant, body } = build(Object.fromEntries(attrs.map((a) => [a, empty])));
        const res = await scim('PATCH', `/Users/${id}`, body, compliant);
        expect([200, 204]).toContain(res.status);
        const read = await scim('GET', `/Users/${id}`);
        for (const a of attrs) expect([undefined, null, ''], `${a} after ${JSON.stringify(empty)}`).toContain(valueAt(read.body, a));
      }
    });
  }

  it('SCIM_User_Create_Test: POST /Users answers 201 with an id, and userName round-trips', async () => {
    const userName = `Create.${randomUUID()}@Contoso.com`;
    const res = await scim('POST', '/Users', { schemas: [CORE_USER], userName, active: true, externalId: randomUUID() });
    expect(res.status).toBe(201);
    expect(res.body.id).toEqual(expect.any(String));
    expect(res.body.userName).toBe(userName);
  });

  for (const [form, build] of Object.entries(FORMS)) {
    it(`SCIM_User_Update_Test (${form} form): single-valued attributes PATCHed read back equal`, async () => {
      const { id } = await createUser();
      const values: Record<string, unknown> = {
        displayName: `Display ${form}`,
        nickName: 'nick',
        title: 'Head Chef',
        userType: 'Employee',
        preferredLanguage: 'de-DE',
        locale: 'de-DE',
        timezone: 'Europe/Berlin',
        'name.givenName': 'Given',
        'name.familyName': 'Family',
        [`${ENT}:employeeNumber`]: '4711',
        [`${ENT}:costCenter`]: 'CC-1',
        [`${ENT}:department`]: 'Kitchen',
      };
      const { compliant, body } = build(values);
      const res = await scim('PATCH', `/Users/${id}`, body, compliant);
      expect([200, 204]).toContain(res.status);
      const read = await scim('GET', `/Users/${id}`);
      expect(read.status).toBe(200);
      for (const [path, value] of Object.entries(values)) expect(valueAt(read.body, path), path).toEqual(value);
    });
  }

  it('SCIM_Group_Create_Test: POST /Groups answers 201 with an id, and displayName round-trips', async () => {
    const displayName = `Group ${randomUUID()}`;
    const res = await scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName });
    expect(res.status).toBe(201);
    expect(res.body.id).toEqual(expect.any(String));
    expect(res.body.displayName).toBe(displayName);
  });

  for (const [form, build] of Object.entries(FORMS)) {
    it(`SCIM_Group_Update_Test (${form} form): displayName and externalId PATCHed read back equal`, async () => {
      const { id } = await createGroup();
      const values = { displayName: `Renamed ${randomUUID()}`, externalId: randomUUID() };
      const { compliant, body } = build(values);
      expect([200, 204]).toContain((await scim('PATCH', `/Groups/${id}`, body, compliant)).status);
      const read = await scim('GET', `/Groups/${id}`);
      expect(read.body).toMatchObject(values);
    });
  }

  it('Validate_Credentials_Test: the token URL answers 2xx with access_token, lifetime 60-360 minutes, SCIM accepts it', async () => {
    const client = (await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, {})).body;
    // Acquire_OAuth2_Token: form client_id + client_secret, `scope` only when the ISV names one ("scim" here).
    for (const scope of [undefined, 'scim']) {
      const body = `grant_type=client_credentials&client_id=${encodeURIComponent(client.clientId)}&client_secret=${encodeURIComponent(client.clientSecret)}${scope ? `&scope=${scope}` : ''}`;
      const res = await tokenRequest(stack, body);
      expect(res.status).toBe(200);
      expect(res.body.access_token).toEqual(expect.any(String));
      // Compose_Token_Validity_Minutes: div(expires_in, 60) within 60..360.
      expect(Math.floor(res.body.expires_in / 60)).toBeGreaterThanOrEqual(60);
      expect(Math.floor(res.body.expires_in / 60)).toBeLessThanOrEqual(360);
      const users = await stack.call('GET', '/Users?startIndex=1&count=1', undefined, { Authorization: `Bearer ${res.body.access_token}` });
      expect(users.status).toBe(200);
    }
  });

  it('Federated_Identity_Test: a client assertion is exchanged for a token SCIM accepts', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'entra-1', use: 'sig' };
    keyServer = http.createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    const entraTenant = randomUUID();
    const trust = {
      issuer: `https://login.microsoftonline.com/${entraTenant}/v2.0`,
      jwksUri: `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/${entraTenant}/discovery/v2.0/keys`,
      subject: randomUUID(),
      audience: `api://${randomUUID()}`,
    };
    const client = (await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, { federation: trust })).body;
    const assertion = await assertionFor(trust, privateKey);
    // Acquire_Federated_Token (generic flow): exactly this body — no scope, and an extra baseAddress parameter, which
    // the endpoint ignores as RFC 6749 §3.2 asks for unknown parameters.
    const enc = encodeURIComponent;
    const res = await tokenRequest(
      stack,
      `grant_type=client_credentials&client_id=${enc(client.clientId)}&client_assertion=${enc(assertion)}&client_assertion_type=${enc('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&baseAddress=${enc(stack.baseUrl)}`,
    );
    expect(res.status).toBe(200);
    expect((await stack.call('GET', '/Users?count=1', undefined, { Authorization: `Bearer ${res.body.access_token}` })).status).toBe(200);
  });

  for (const type of ['Users', 'Groups'] as const) {
    it(`SCIM_${type === 'Users' ? 'User' : 'Group'}_Pagination_Test: ${type}?startIndex=N&count=5 over at least two pages echoes startIndex`, async () => {
      for (let i = 0; i < 11; i++) await (type === 'Users' ? createUser() : createGroup());
      const total = (await scim('GET', `/${type}?count=1`)).body.totalResults as number;
      expect(total).toBeGreaterThanOrEqual(11);
      let pages = 0;
      for (let page = 0; page * 5 < total; page++) {
        const res = await scim('GET', `/${type}?startIndex=${page * 5 + 1}&count=5`);
        expect(res.status).toBe(200);
        expect(res.body.startIndex).toBe(page * 5 + 1);
        expect(res.body.itemsPerPage).toBe(res.body.Resources.length);
        pages++;
      }
      expect(pages).toBeGreaterThanOrEqual(2);
    });
  }

  for (const compliant of [false, true]) {
    it(`SCIM_Update_Manager_Test (${compliant ? 'compliant' : 'default'} form): set (add), change (replace), remove (replace with empty)`, async () => {
      const [{ id }, boss, otherBoss] = [await createUser(), await createUser(), await createUser()];
      const op = (name: string) => (compliant ? name.toLowerCase() : name);
      const manager = async () => ((await scim('GET', `/Users/${id}`)).body[ENT] ?? {}).manager;
      const steps: [string, string, string | undefined][] = [
        ['Add', boss.id, boss.id],
        ['Replace', otherBoss.id, otherBoss.id],
        ['Replace', '', undefined],
      ];
      for (const [name, value, expected] of steps) {
        const res = await scim('PATCH', `/Users/${id}`, patch([{ op: op(name), path: `${ENT}:manager`, value }]), compliant);
        expect([200, 204]).toContain(res.status);
        const m = await manager();
        if (expected === undefined) expect(m?.value ?? undefined).toBeUndefined();
        else expect(m.value).toBe(expected);
      }
    });
  }
});

describe('the SCIM Validator\'s cases', () => {
  for (const compliant of [false, true]) {
    const mode = compliant ? 'compliant' : 'default';
    const op = (name: string) => (compliant ? name.toLowerCase() : name);

    describe(`users (${mode} form)`, () => {
      it('create; duplicate create 409; filter existing, non-existing and in another case', async () => {
        const { id, userName } = await createUser(`Val.${randomUUID()}@Contoso.com`);
        const dup = await scim('POST', '/Users', entraUser(userName), compliant);
        expect(dup.status).toBe(409);
        expect(dup.body.scimType).toBe('uniqueness');
        const found = await scim('GET', `/Users?filter=userName eq "${userName}"`, undefined, compliant);
        expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
        const none = await scim('GET', `/Users?filter=userName eq "${randomUUID()}"`, undefined, compliant);
        expect(none.status).toBe(200);
        expect(none.body.totalResults).toBe(0);
        const otherCase = await scim('GET', `/Users?filter=userName eq "${userName.toUpperCase()}"`, undefined, compliant);
        expect(otherCase.body.totalResults).toBe(1);
      });

      it('replace attributes verbose with value paths (emails[type eq "work"].value, addresses[type eq "work"].streetAddress)', async () => {
        const { id } = await createUser();
        const res = await scim(
          'PATCH',
          `/Users/${id}`,
          patch([
            { op: op('Replace'), path: 'emails[type eq "work"].value', value: 'new.work@contoso.com' },
            { op: op('Replace'), path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
            { op: op('Replace'), path: 'emails[type eq "work"].primary', value: 'True' },
          ]),
          compliant,
        );
        expect(res.status).toBe(200);
        const read = (await scim('GET', `/Users/${id}`)).body;
        expect(valueAt(read, 'emails[type eq "work"].value')).toBe('new.work@contoso.com');
        expect(valueAt(read, 'addresses[type eq "work"].streetAddress')).toBe('1 Main St');
        const only = await scim('GET', `/Users/${id}?attributes=emails[type eq "work"]`);
        expect(only.body.emails).toEqual([expect.objectContaining({ type: 'work', value: 'new.work@contoso.com' })]);
      });

      it('replace userName without a path; disable; delete then GET 404', async () => {
        const { id } = await createUser();
        const renamed = `renamed.${randomUUID()}@contoso.com`;
        const body = compliant ? patch([{ op: 'replace', value: { userName: renamed } }]) : patch([{ op: 'Replace', value: { userName: renamed } }]);
        expect((await scim('PATCH', `/Users/${id}`, body, compliant)).body.userName).toBe(renamed);
        const disable = patch([{ op: op('Replace'), path: 'active', value: compliant ? false : 'False' }]);
        expect((await scim('PATCH', `/Users/${id}`, disable, compliant)).body.active).toBe(false);
        expect((await scim('GET', `/Users/${id}`)).body.active).toBe(false);
        expect((await scim('DELETE', `/Users/${id}`, undefined, compliant)).status).toBe(204);
        expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
      });

      it('add, replace and remove manager', async () => {
        const [{ id }, a, b] = [await createUser(), await createUser(), await createUser()];
        const path = `${ENT}:manager`;
        await scim('PATCH', `/Users/${id}`, patch([{ op: op('Add'), path, value: a.id }]), compliant);
        expect((await scim('GET', `/Users/${id}`)).body[ENT].manager.value).toBe(a.id);
        await scim('PATCH', `/Users/${id}`, patch([{ op: op('Replace'), path, value: b.id }]), compliant);
        expect((await scim('GET', `/Users/${id}`)).body[ENT].manager.value).toBe(b.id);
        expect((await scim('PATCH', `/Users/${id}`, patch([{ op: op('Remove'), path }]), compliant)).status).toBe(200);
        expect((await scim('GET', `/Users/${id}`)).body[ENT]?.manager).toBeUndefined();
      });

      it('several operations on different attributes, several on the same attribute, and an empty Operations array', async () => {
        const { id } = await createUser();
        const res = await scim(
          'PATCH',
          `/Users/${id}`,
          patch([
            { op: op('Replace'), path: 'title', value: 'First' },
            { op: op('Replace'), path: 'displayName', value: 'Shown' },
            { op: op('Replace'), path: 'title', value: 'Second' },
            { op: op('Add'), path: 'nickName', value: 'nick' },
          ]),
          compliant,
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ title: 'Second', displayName: 'Shown', nickName: 'nick' });
        expect((await scim('PATCH', `/Users/${id}`, patch([]), compliant)).status).toBe(200);
      });

      it('delete of a missing resource is 404, and the same delete twice is 404 the second time', async () => {
        expect((await scim('DELETE', `/Users/${randomUUID()}`, undefined, compliant)).status).toBe(404);
        const { id } = await createUser();
        expect((await scim('DELETE', `/Users/${id}`, undefined, compliant)).status).toBe(204);
        expect((await scim('DELETE', `/Users/${id}`, undefined, compliant)).status).toBe(404);
      });
    });

    describe(`groups (${mode} form)`, () => {
      it('create; duplicate 409; get by id and by filter with excludedAttributes=members; filter non-existing and other case', async () => {
        const { id, displayName } = await createGroup(`Val Group ${randomUUID()}`);
        expect((await scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName }, compliant)).status).toBe(409);
        const byId = await scim('GET', `/Groups/${id}?excludedAttributes=members`, undefined, compliant);
        expect(byId.status).toBe(200);
        expect(byId.body).not.toHaveProperty('members');
        const byFilter = await scim('GET', `/Groups?excludedAttributes=members&filter=displayName eq "${displayName}"`, undefined, compliant);
        expect(byFilter.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);
        expect((await scim('GET', `/Groups?filter=displayName eq "${randomUUID()}"`, undefined, compliant)).body.totalResults).toBe(0);
        expect((await scim('GET', `/Groups?filter=displayName eq "${displayName.toLowerCase()}"`, undefined, compliant)).body.totalResults).toBe(1);
      });

      it('replace without a path; update displayName; add member; remove member; delete', async () => {
        const { id } = await createGroup();
        const [m1, m2] = [await createUser(), await createUser()];
        const noPath = `NoPath ${randomUUID()}`;
        expect((await scim('PATCH', `/Groups/${id}`, patch([{ op: op('Replace'), value: { displayName: noPath } }]), compliant)).status).toBe(204);
        expect((await scim('GET', `/Groups/${id}`)).body.displayName).toBe(noPath);
        const renamed = `Renamed ${randomUUID()}`;
        expect((await scim('PATCH', `/Groups/${id}`, patch([{ op: op('Replace'), path: 'displayName', value: renamed }]), compliant)).status).toBe(204);
        const add = patch([{ op: op('Add'), path: 'members', value: [{ value: m1.id }, { value: m2.id }] }]);
        expect((await scim('PATCH', `/Groups/${id}`, add, compliant)).status).toBe(204);
        const remove = compliant ? patch([{ op: 'remove', path: `members[value eq "${m1.id}"]` }]) : patch([{ op: 'Remove', path: 'members', value: [{ value: m1.id }] }]);
        expect((await scim('PATCH', `/Groups/${id}`, remove, compliant)).status).toBe(204);
        const read = (await scim('GET', `/Groups/${id}`)).body;
        expect(read.displayName).toBe(renamed);
        expect(read.members.map((m: { value: string }) => m.value)).toEqual([m2.id]);
        expect((await scim('DELETE', `/Groups/${id}`, undefined, compliant)).status).toBe(204);
        expect((await scim('GET', `/Groups/${id}`)).status).toBe(404);
      });
    });
  }
});

interface Attr {
  name: string;
  type: string;
  multiValued?: boolean;
  subAttributes?: (Attr & { canonicalValues?: string[] })[];
}

/** The validation's flattening of a schema's attributes (SCIMTests_Workflow, Flatten_User_Attrs_Loop). */
function flatten(attributes: Attr[]): string[] {
  const out: string[] = [];
  for (const a of attributes) {
    if (a.name === 'manager' || a.name === 'members') out.push(a.name);
    else if (a.type === 'complex' && a.multiValued) {
      const subs = a.subAttributes ?? [];
      const types = subs.find((s) => s.name === 'type')?.canonicalValues ?? [];
      if (types.length > 0) for (const t of types) for (const s of subs.filter((x) => x.name !== 'type' && x.name !== 'primary')) out.push(`${a.name}[type eq "${t}"].${s.name}`);
      else for (const s of subs.filter((x) => x.name !== 'primary')) out.push(`${a.name}[primary eq "True"].${s.name}`);
    } else if (a.type === 'complex') {
      for (const s of (a.subAttributes ?? []).filter((x) => x.type !== 'complex' && x.type !== 'reference')) out.push(`${a.name}.${s.name}`);
    } else if (a.type !== 'reference') out.push(a.name);
  }
  return out;
}

/** What the Entra job's target directory names (Entra's scim template) plus every target our deploy mappings add. */
function mappedTargets(): { user: string[]; group: string[] } {
  const job = JSON.parse(readFileSync(new URL('../infra/fixtures/scim-job-schema.json', import.meta.url), 'utf8')) as {
    directories: { name: string; objects: { name: string; attributes: { name: string }[] }[] }[];
  };
  const target = job.directories.find((d) => d.name !== 'Azure Active Directory');
  const user = new Set<string>();
  const group = new Set<string>();
  for (const o of target?.objects ?? []) for (const a of o.attributes) (o.name.endsWith(':Group') ? group : user).add(a.name);
  const mappings = JSON.parse(readFileSync(new URL('../../infra/scim-mappings.json', import.meta.url), 'utf8')) as {
    user: { mappings: { target: string }[] };
    userTargetAttributes?: string[];
    group?: { mappings: { target: string }[] };
  };
  for (const m of mappings.user.mappings) user.add(m.target);
  for (const t of mappings.userTargetAttributes ?? []) user.add(t);
  for (const m of mappings.group?.mappings ?? []) group.add(m.target);
  return { user: [...user], group: [...group] };
}

async function assertionFor(trust: { issuer: string; subject: string; audience: string }, key: CryptoKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // Shaped like the Entra v2.0 access token the validation obtains for its own app (uti, no jti; 60-90 minutes).
  return new SignJWT({ tid: randomUUID(), ver: '2.0', uti: randomUUID(), azp: randomUUID(), roles: [] })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'entra-1' })
    .setIssuer(trust.issuer)
    .setSubject(trust.subject)
    .setAudience(trust.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 5400)
    .sign(key);
}
