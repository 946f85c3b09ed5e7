// Issue 6: tenants and secret tokens through the real HTTP surface, with tenants made by the tenants CLI code.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTenantsCli } from '../../tools/tenants-cli.js';
import { generateToken } from '../../lib/auth/tokens.js';
import { getServices } from '../../lib/services.js';
import { TENANT_PARTITION } from '../../lib/store/tenant-store.js';
import { callAs, cli, createTenant, rowsOf, sleep, table, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let stack: Stack;
beforeAll(async () => {
  // A short credential cache keeps tenant deletes short: a delete waits out the cache time before its last sweep.
  stack = await startStack({ SCIM_AUTH_CACHE_SECONDS: '1', SCIM_STORAGE_TIMEOUT_MS: '5000' });
});
afterAll(() => stack.close());

const sha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

describe('tenant isolation: tenant A\'s token cannot reach tenant B\'s data, even with B\'s ids (404, never 403)', () => {
  let a: CreatedTenant;
  let b: CreatedTenant;
  let asA: ReturnType<typeof callAs>;
  let asB: ReturnType<typeof callAs>;
  const bUserName = `b-${randomUUID()}@fabrikam.com`;
  const bGroupName = `B group ${randomUUID()}`;
  let bUser: { id: string; body: Record<string, unknown> };
  let bGroup: { id: string; body: Record<string, unknown> };

  beforeAll(async () => {
    a = await createTenant('Contoso');
    b = await createTenant('Fabrikam');
    asA = callAs(stack, a.token);
    asB = callAs(stack, b.token);
    const user = await asB('POST', '/Users', entraUser(bUserName));
    expect(user.status).toBe(201);
    const group = await asB('POST', '/Groups', { schemas: [GROUP], displayName: bGroupName, externalId: 'b-group' });
    expect(group.status).toBe(201);
    const add = await asB('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: user.body.id }] }] });
    expect(add.status).toBe(204);
    bUser = { id: user.body.id, body: (await asB('GET', `/Users/${user.body.id}`)).body };
    bGroup = { id: group.body.id, body: (await asB('GET', `/Groups/${group.body.id}`)).body };
  });

  /** A 404 for B's id must look exactly like a 404 for an id that exists nowhere (ids do not leak). */
  async function expectLikeUnknown(reply: ScimReply, id: string, send: (id: string) => Promise<ScimReply>): Promise<void> {
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '404' });
    const unknownId = randomUUID();
    const unknown = await send(unknownId);
    expect(unknown.status).toBe(404);
    expect(reply.body).toEqual({ ...unknown.body, detail: String(unknown.body.detail).replace(unknownId, id) });
  }

  const verbs = [
    ['read (GET by id)', 'GET', undefined],
    ['replace (PUT)', 'PUT', 'replace'],
    ['patch (PATCH)', 'PATCH', 'patch'],
    ['delete (DELETE)', 'DELETE', undefined],
  ] as const;

  for (const resource of ['Users', 'Groups'] as const) {
    const body = (kind: 'replace' | 'patch' | undefined): unknown => {
      if (kind === 'patch') {
        return resource === 'Users'
          ? { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }
          : { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: 'hijacked' }] };
      }
      if (kind === 'replace') return resource === 'Users' ? { userName: 'hijacked@contoso.com', active: false } : { schemas: [GROUP], displayName: 'hijacked' };
      return undefined;
    };
    for (const [label, method, kind] of verbs) {
      it(`${resource}: ${label} of B's resource answers 404 to A, like an unknown id`, async () => {
        const id = resource === 'Users' ? bUser.id : bGroup.id;
        const reply = await asA(method, `/${resource}/${id}`, body(kind));
        await expectLikeUnknown(reply, id, (other) => asA(method, `/${resource}/${other}`, body(kind)));
      });
    }

    it(`${resource}: list with A's token shows none of B's resources`, async () => {
      const list = await asA('GET', `/${resource}?count=1000`);
      expect(list.status).toBe(200);
      const ids = (list.body.Resources as { id: string }[]).map((r) => r.id);
      expect(ids).not.toContain(resource === 'Users' ? bUser.id : bGroup.id);
      const listB = await asB('GET', `/${resource}?count=1000`);
      expect((listB.body.Resources as { id: string }[]).map((r) => r.id)).toContain(resource === 'Users' ? bUser.id : bGroup.id);
    });

    it(`${resource}: filter for B's name, externalId or id finds nothing with A's token (200, empty)`, async () => {
      const filters = resource === 'Users'
        ? [`userName eq "${bUserName}"`, `externalId eq "${bUserName.split('@')[0]}"`, `id eq "${bUser.id}"`]
        : [`displayName eq "${bGroupName}"`, 'externalId eq "b-group"', `id eq "${bGroup.id}"`, `members[value eq "${bUser.id}"]`];
      for (const filter of filters) {
        const reply = await asA('GET', `/${resource}?filter=${encodeURIComponent(filter)}`);
        expect(reply.status, filter).toBe(200);
        expect(reply.body.totalResults, filter).toBe(0);
        const search = await asA('POST', `/${resource}/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter });
        expect(search.status, filter).toBe(200);
        expect(search.body.totalResults, filter).toBe(0);
      }
      const first = resource === 'Users' ? `userName eq "${bUserName}"` : `displayName eq "${bGroupName}"`;
      expect((await asB('GET', `/${resource}?filter=${encodeURIComponent(first)}`)).body.totalResults).toBe(1);
    });
  }

  it('A cannot add B\'s user to A\'s own group: B\'s id is answered like an unknown id', async () => {
    const group = await asA('POST', '/Groups', { schemas: [GROUP], displayName: `A group ${randomUUID()}` });
    expect(group.status).toBe(201);
    const add = await asA('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: bUser.id }] }] });
    const unknownId = randomUUID();
    const addUnknown = await asA('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: unknownId }] }] });
    expect(add.status).not.toBe(403);
    expect(add.status).toBe(addUnknown.status);
    expect(add.body).toEqual({ ...addUnknown.body, detail: String(addUnknown.body.detail).replace(unknownId, bUser.id) });
    const after = await asA('GET', `/Groups/${group.body.id}`);
    expect(after.body.members ?? []).toEqual([]);
  });

  it('A may use the same userName and displayName as B: the namespaces are separate', async () => {
    expect((await asA('POST', '/Users', entraUser(bUserName))).status).toBe(201);
    expect((await asA('POST', '/Groups', { schemas: [GROUP], displayName: bGroupName })).status).toBe(201);
  });

  it('the default tenant (SCIM_TOKEN) sees neither A nor B', async () => {
    expect((await stack.call('GET', `/Users/${bUser.id}`)).status).toBe(404);
    const list = await stack.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${bUserName}"`)}`);
    expect(list.body.totalResults).toBe(0);
  });

  it('after all of A\'s attempts, B\'s user and group are exactly as they were', async () => {
    expect((await asB('GET', `/Users/${bUser.id}`)).body).toEqual(bUser.body);
    expect((await asB('GET', `/Groups/${bGroup.id}`)).body).toEqual(bGroup.body);
  });
});

describe('secret tokens', () => {
  it('are 256-bit random base64url strings, stored only as their SHA-256 hash', async () => {
    const t = await createTenant('Hash check');
    expect(t.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t.token, 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 100 }, generateToken)).size).toBe(100);

    const client = table(stack);
    const rows = await rowsOf(client, TENANT_PARTITION);
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(t.token);
    const hashRow = rows.find((r) => r.rowKey === `K:${sha256(t.token)}`);
    expect(hashRow).toMatchObject({ tenantId: t.tenantId });
    expect(rows.find((r) => r.rowKey === `TK:${t.tenantId}:${sha256(t.token)}`)).toBeDefined();
    // Nowhere else in the table either.
    const all: unknown[] = [];
    for await (const row of client.listEntities()) all.push(row);
    expect(JSON.stringify(all)).not.toContain(t.token);
  });

  it('reset-token (grace 0, the default): the new token works and the old one fails at once', async () => {
    const t = await createTenant('Reset now');
    expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(200);
    const reset = await cli('reset-token', '--tenant', t.tenantId, '--json');
    expect(reset.code).toBe(0);
    expect(Object.keys(reset.json).sort()).toEqual(['tenantId', 'token']);
    expect(reset.json.tenantId).toBe(t.tenantId);
    expect(reset.json.token).not.toBe(t.token);
    expect((await callAs(stack, reset.json.token)('GET', '/Users')).status).toBe(200);
    const old = await callAs(stack, t.token)('GET', '/Users');
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const rows = await rowsOf(table(stack), TENANT_PARTITION);
    expect(rows.some((r) => String(r.rowKey).endsWith(sha256(t.token)))).toBe(false);
    expect(rows.some((r) => r.rowKey === `K:${sha256(reset.json.token)}`)).toBe(true);
  });

  it('reset-token with a grace period: both work until it ends, then only the new one', async () => {
    const t = await createTenant('Reset with grace');
    const reset = await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '2', '--json');
    expect(reset.code).toBe(0);
    const expiresAt = Date.parse(reset.json.oldTokensExpireAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(500);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(2000);
    expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(200);
    expect((await callAs(stack, reset.json.token)('GET', '/Users')).status).toBe(200);
    const oldRow = (await rowsOf(table(stack), TENANT_PARTITION)).find((r) => r.rowKey === `K:${sha256(t.token)}`);
    expect(oldRow?.expiresAt).toBe(reset.json.oldTokensExpireAt);
    await sleep(Math.max(0, expiresAt - Date.now()) + 100);
    expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(401);
    expect((await callAs(stack, reset.json.token)('GET', '/Users')).status).toBe(200);
    // A later reset sweeps the expired row.
    await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '60', '--json');
    expect((await rowsOf(table(stack), TENANT_PARTITION)).some((r) => r.rowKey === `K:${sha256(t.token)}`)).toBe(false);
  });

  it('a reset made by another instance takes effect here within the credential cache time', async () => {
    const before = process.env.SCIM_AUTH_CACHE_SECONDS;
    process.env.SCIM_AUTH_CACHE_SECONDS = '1';
    try {
      const t = await createTenant('Other instance');
      expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(200); // now cached
      // "Another instance": the store changed directly, so this process's cache is not told.
      const { tenants } = await getServices();
      await tenants.resetTokens(t.tenantId, sha256(generateToken()), 0);
      expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(200); // still cached
      await sleep(1100);
      expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(401);
    } finally {
      process.env.SCIM_AUTH_CACHE_SECONDS = before;
    }
  });

  it('revoke: every token of the tenant stops working; reset-token issues a working one', async () => {
    const t = await createTenant('Revoke');
    const second = await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '600', '--json');
    const revoked = await cli('revoke', '--tenant', t.tenantId, '--json');
    expect(revoked.json).toEqual({ tenantId: t.tenantId, revokedTokens: 2 });
    expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(401);
    expect((await callAs(stack, second.json.token)('GET', '/Users')).status).toBe(401);
    const fresh = await cli('reset-token', '--tenant', t.tenantId, '--json');
    expect((await callAs(stack, fresh.json.token)('GET', '/Users')).status).toBe(200);
  });

  it('answers every rejected credential with the same 401 body and WWW-Authenticate: Bearer', async () => {
    const t = await createTenant('Rejections');
    const graced = await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '1', '--json');
    const newest = graced.json.token as string;
    const revokedTenant = await createTenant('Revoked');
    await cli('revoke', '--tenant', revokedTenant.tenantId);
    await sleep(1100); // t.token's grace is over
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['malformed', { Authorization: `Bearer${newest}` }],
      ['wrong scheme', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['unknown', { Authorization: `Bearer ${generateToken()}` }],
      ['revoked', { Authorization: `Bearer ${revokedTenant.token}` }],
      ['expired (grace over)', { Authorization: `Bearer ${t.token}` }],
      ['not a JWT that looks like one', { Authorization: 'Bearer a.b.c' }],
    ];
    const bodies = new Set<string>();
    for (const [name, headers] of cases) {
      const res = await fetch(`${stack.baseUrl}/Users`, { headers });
      expect(res.status, name).toBe(401);
      expect(res.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="scim"/);
      expect(res.headers.get('content-type'), name).toBe('application/scim+json');
      const body = await res.json();
      expect(body, name).toMatchObject({ schemas: [ERROR], status: '401' });
      bodies.add(JSON.stringify(body));
    }
    expect(bodies.size).toBe(1);
    expect((await callAs(stack, newest)('GET', '/Users')).status).toBe(200);
  });
});

describe('suspension and request budgets', () => {
  it('a suspended tenant gets 403 (after its token is verified) until resumed', async () => {
    const t = await createTenant('Suspend me');
    expect((await cli('suspend', '--tenant', t.tenantId)).code).toBe(0);
    const reply = await callAs(stack, t.token)('GET', '/Users');
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '403' });
    expect((await callAs(stack, generateToken())('GET', '/Users')).status).toBe(401);
    const listed = await cli('list', '--json');
    expect(listed.json.tenants.find((x: { tenantId: string }) => x.tenantId === t.tenantId).status).toBe('suspended');
    await cli('resume', '--tenant', t.tenantId);
    expect((await callAs(stack, t.token)('GET', '/Users')).status).toBe(200);
  });

  it('a per-tenant budget answers 429 with Retry-After when exhausted, and is off by default', async () => {
    const limited = await createTenant('Limited', '--requests-per-minute', '3');
    const free = await createTenant('Unlimited');
    const statuses: number[] = [];
    // A lookup costs one storage call, so one unit of the budget each (an unfiltered list costs two: counters + page).
    const lookup = `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`;
    for (let i = 0; i < 5; i++) statuses.push((await callAs(stack, limited.token)('GET', lookup)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const over = await callAs(stack, limited.token)('GET', lookup);
    expect(over.body).toMatchObject({ schemas: [ERROR], status: '429' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 20; i++) expect((await callAs(stack, free.token)('GET', '/Users')).status).toBe(200);
    const off = await cli('update', '--tenant', limited.tenantId, '--requests-per-minute', 'off', '--json');
    expect(off.json).not.toHaveProperty('requestsPerMinute');
    expect((await callAs(stack, limited.token)('GET', '/Users')).status).toBe(200);
  });
});

describe('deleting a tenant', () => {
  it('removes the tenant, its tokens and every row of its data (more than one batch of 100)', async () => {
    const doomed = await createTenant('Doomed');
    const kept = await createTenant('Kept');
    const asDoomed = callAs(stack, doomed.token);
    const userIds: string[] = [];
    for (let i = 0; i < 5; i++) userIds.push((await asDoomed('POST', '/Users', entraUser(`d${i}-${randomUUID()}@x.com`))).body.id);
    const group = await asDoomed('POST', '/Groups', { schemas: [GROUP], displayName: 'Doomed group' });
    await asDoomed('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: userIds.map((value) => ({ value })) }] });
    const keptUser = await callAs(stack, kept.token)('POST', '/Users', entraUser(`kept-${randomUUID()}@x.com`));
    // Extra rows straight into the partition, so the purge needs several transactions.
    const client = table(stack);
    for (let batch = 0; batch < 3; batch++) {
      await client.submitTransaction(Array.from({ length: 100 }, (_, i) => ['create', { partitionKey: doomed.tenantId, rowKey: `Z:${batch}:${i}`, v: 1 }] as ['create', { partitionKey: string; rowKey: string; v: number }]));
    }
    const before = (await rowsOf(client, doomed.tenantId)).length;
    expect(before).toBeGreaterThan(300);

    const deleted = await cli('delete', '--tenant', doomed.tenantId, '--json');
    expect(deleted.code).toBe(0);
    expect(deleted.json).toEqual({ tenantId: doomed.tenantId, deletedRows: before });
    expect(await rowsOf(client, doomed.tenantId)).toEqual([]);
    const reserved = await rowsOf(client, TENANT_PARTITION);
    expect(reserved.filter((r) => JSON.stringify(r).includes(doomed.tenantId))).toEqual([]);
    expect((await asDoomed('GET', '/Users')).status).toBe(401);
    expect((await cli('list', '--json')).json.tenants.map((t: { tenantId: string }) => t.tenantId)).not.toContain(doomed.tenantId);
    // The other tenant is untouched.
    expect((await callAs(stack, kept.token)('GET', `/Users/${keptUser.body.id}`)).status).toBe(200);
    // A second delete finds nothing.
    const again = await cli('delete', '--tenant', doomed.tenantId);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not found/);
  });

  it('refuses ids that are not tenant ids (the reserved partition can never be purged)', async () => {
    for (const id of [TENANT_PARTITION, 'T:x', "' or PartitionKey ne '", '']) {
      const run = await cli('delete', '--tenant', id);
      expect(run.code, id).not.toBe(0);
    }
    expect((await rowsOf(table(stack), TENANT_PARTITION)).length).toBeGreaterThan(0);
  });
});

describe('the tenants CLI', () => {
  it('prints human-readable output without --json, and the token only where it is issued', async () => {
    const created = await cli('create', '--name', 'Readable Ltd');
    expect(created.code).toBe(0);
    const id = /id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    expect(id).toBeDefined();
    const token = /^ {2}([A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1] as string;
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(200);
    const list = await cli('list');
    expect(list.stdout).toMatch(/TENANT ID\s+STATUS/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toContain(token);
    const show = await cli('show', '--tenant', id);
    expect(show.stdout).toContain('Readable Ltd');
    expect(show.stdout).not.toContain(token);
  });

  it('create --json prints exactly tenantId, name and token', async () => {
    const run = await cli('create', '--name', 'Json Inc', '--json');
    expect(Object.keys(run.json).sort()).toEqual(['name', 'tenantId', 'token']);
    expect(run.json.name).toBe('Json Inc');
    expect(run.json.tenantId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects bad usage with exit code 2 and bad input with exit code 1', async () => {
    expect((await cli('create')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('reset-token', '--tenant', randomUUID(), '--grace-seconds', 'soon')).code).toBe(2);
    expect((await cli('create', '--name', 'x', '--jwt-issuer-tenant', 'not-a-guid')).code).toBe(1);
    expect((await cli('reset-token', '--tenant', randomUUID())).code).toBe(1);
    expect((await cli('--help')).code).toBe(0);
  });

  it('says how to configure storage when none is set, and uses a running `npm start` Azurite when it is recorded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tenants-cli-'));
    let stderr = '';
    const env = { SCIM_TABLE_NAME: stack.tableName };
    const io = { stdout: () => undefined, stderr: (t: string) => (stderr += t), env };
    expect(await runTenantsCli(['list'], io, root)).toBe(1);
    expect(stderr).toMatch(/SCIM_STORAGE_CONNECTION_STRING/);
    expect(stderr).toMatch(/npm start/);

    mkdirSync(join(root, '.local'));
    writeFileSync(join(root, '.local', 'storage-connection'), `${inject('azuriteConnectionString')}\n`);
    let stdout = '';
    expect(await runTenantsCli(['list', '--json'], { ...io, stdout: (t: string) => (stdout += t) }, root)).toBe(0);
    expect(JSON.parse(stdout).tenants.length).toBeGreaterThan(0);
  });

  it('reports unreachable storage without printing the account key', async () => {
    let stderr = '';
    const env = { SCIM_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;' };
    const code = await runTenantsCli(['list'], { stdout: () => undefined, stderr: (t) => (stderr += t), env }, tmpdir());
    expect(code).toBe(1);
    expect(stderr).toMatch(/unreachable/);
    expect(stderr).not.toContain('c2VjcmV0');
  });
});

describe('admin HTTP API (authLevel admin: the Functions master key)', () => {
  const admin = async (method: string, path: string, body?: unknown, key: string | null = 'test-admin-key') => {
    const headers: Record<string, string> = {};
    if (key !== null) headers['x-functions-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${stack.baseUrl}/manage/tenants${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };

  it('refuses requests without the admin key, and SCIM bearer tokens are not admin keys', async () => {
    expect((await admin('GET', '', undefined, null)).status).toBe(401);
    expect((await admin('GET', '', undefined, 'wrong')).status).toBe(401);
    const t = await createTenant('Not an admin');
    const res = await fetch(`${stack.baseUrl}/manage/tenants`, { headers: { Authorization: `Bearer ${t.token}` } });
    expect(res.status).toBe(401);
  });

  it('creates, lists, shows, suspends, resets, revokes and deletes, as the CLI does', async () => {
    const created = await admin('POST', '', { name: 'Via HTTP' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(created.body).sort()).toEqual(['name', 'tenantId', 'token']);
    const { tenantId, token } = created.body as { tenantId: string; token: string };
    expect((await callAs(stack, token)('POST', '/Users', entraUser('http@x.com'))).status).toBe(201);

    const list = await admin('GET', '');
    expect(list.body.tenants).toContainEqual(expect.objectContaining({ tenantId, name: 'Via HTTP', status: 'active' }));
    expect(JSON.stringify(list.body)).not.toContain(token);
    const shown = await admin('GET', `/${tenantId}`);
    expect(shown.body).toMatchObject({ tenantId, name: 'Via HTTP', tokens: [{ created: expect.any(String) }] });

    expect((await admin('PATCH', `/${tenantId}`, { status: 'suspended' })).body.status).toBe('suspended');
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(403);
    expect((await admin('PATCH', `/${tenantId}`, { status: 'active', name: 'Renamed' })).body).toMatchObject({ status: 'active', name: 'Renamed' });

    const reset = await admin('POST', `/${tenantId}/reset-token`, { graceSeconds: 0 });
    expect(reset.status).toBe(200);
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(401);
    expect((await callAs(stack, reset.body.token)('GET', '/Users')).status).toBe(200);

    expect((await admin('POST', `/${tenantId}/revoke`)).body).toEqual({ tenantId, revokedTokens: 1 });
    expect((await callAs(stack, reset.body.token)('GET', '/Users')).status).toBe(401);

    const deleted = await admin('DELETE', `/${tenantId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.deletedRows).toBeGreaterThanOrEqual(3);
    expect((await admin('GET', `/${tenantId}`)).status).toBe(404);
  });

  it('answers bad input with 400 and unknown tenants with 404', async () => {
    expect((await admin('POST', '', { name: '' })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', nmae: 'typo' })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', jwtIssuerTenant: 'nope' })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', requestsPerMinute: -1 })).status).toBe(400);
    expect((await admin('PATCH', `/${randomUUID()}`, { status: 'deleting' })).status).toBe(400);
    expect((await admin('POST', `/${randomUUID()}/reset-token`, { graceSeconds: 1.5 })).status).toBe(400);
    expect((await admin('POST', `/${randomUUID()}/reset-token`)).status).toBe(404);
    expect((await admin('DELETE', `/${randomUUID()}`)).status).toBe(404);
    expect((await admin('GET', '/not-a-tenant')).status).toBe(404);
  });
});
