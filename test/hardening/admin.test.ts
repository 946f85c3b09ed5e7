// Issue 15: the admin surface. In Azure manage/* accepts only an Entra-signed-in operator with the app role (App
// Service Authentication injects the principal), automation/* only a function key the host checked; under
// `func start` (which checks no keys) the app itself refuses both without the local admin key. Bodies must be JSON.
import { randomUUID } from 'node:crypto';
import azureFunctions from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminAccessError, adminAccessFromEnv, checkAdminAccess, type AdminAccessSettings } from '../../lib/auth/admin-access.js';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import { registrations } from '../../lib/http/register.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const principal = (roles: string[], name = 'op@contoso.com'): string =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims: [{ typ: 'name', val: name }, ...roles.map((val) => ({ typ: 'roles', val }))] })).toString('base64');

const request = (headers: Record<string, string>, method = 'GET', url = 'https://app.example/scim/v2/manage/tenants') =>
  new azureFunctions.HttpRequest({ method, url, headers });

const denied = (run: () => unknown): number => {
  try {
    run();
  } catch (error) {
    if (error instanceof AdminAccessError) return error.status;
    throw error;
  }
  return 0;
};

describe('who may call the admin routes (checkAdminAccess)', () => {
  const azure: AdminAccessSettings = { entraRole: 'Scim.Operator', onPlatform: true, easyAuthEnabled: true };

  it('in Azure, manage/* needs an Entra principal with the operators\' app role: 401 without one, 403 without the role', () => {
    expect(checkAdminAccess(request({ 'x-ms-client-principal': principal(['Scim.Operator']), 'x-ms-client-principal-name': 'op@contoso.com' }), 'operator', azure)).toEqual({ via: 'entra', operator: 'op@contoso.com' });
    expect(denied(() => checkAdminAccess(request({}), 'operator', azure))).toBe(401);
    expect(denied(() => checkAdminAccess(request({ 'x-ms-client-principal': principal(['Other']) }), 'operator', azure))).toBe(403);
    expect(denied(() => checkAdminAccess(request({ 'x-ms-client-principal': 'not base64 json' }), 'operator', azure))).toBe(401);
    // A function key, even the master key, is not a way into manage/* there.
    expect(denied(() => checkAdminAccess(request({ 'x-functions-key': 'anything' }), 'operator', azure))).toBe(401);
  });

  it('fails closed when the role is configured but App Service Authentication is off (the header could be forged)', () => {
    expect(denied(() => checkAdminAccess(request({ 'x-ms-client-principal': principal(['Scim.Operator']) }), 'operator', { ...azure, easyAuthEnabled: false }))).toBe(401);
  });

  it('in Azure, automation/* is let through: the host has checked the named function key', () => {
    expect(checkAdminAccess(request({}), 'automation', azure)).toEqual({ via: 'function-key' });
  });

  it('off the platform (npm start, func start) both entries need the local admin key, and never honour it in Azure', () => {
    const local: AdminAccessSettings = { localKey: 'k'.repeat(40), onPlatform: false, easyAuthEnabled: false };
    for (const entry of ['operator', 'automation'] as const) {
      expect(checkAdminAccess(request({ 'x-functions-key': 'k'.repeat(40) }), entry, local)).toEqual({ via: 'local-key' });
      expect(denied(() => checkAdminAccess(request({ 'x-functions-key': 'k'.repeat(39) }), entry, local))).toBe(401);
      expect(denied(() => checkAdminAccess(request({}), entry, local))).toBe(401);
      expect(denied(() => checkAdminAccess(request({}), entry, { onPlatform: false, easyAuthEnabled: false }))).toBe(401);
    }
    expect(denied(() => checkAdminAccess(request({ 'x-functions-key': 'k'.repeat(40) }), 'operator', { ...local, onPlatform: true }))).toBe(401);
  });

  it('reads its settings from the environment; the example placeholder key counts as no key; a bad role value is refused', () => {
    expect(adminAccessFromEnv({ SCIM_ADMIN_ROLE: 'Scim.Operator', WEBSITE_INSTANCE_ID: 'abc', WEBSITE_AUTH_ENABLED: 'True' })).toEqual({ entraRole: 'Scim.Operator', localKey: undefined, onPlatform: true, easyAuthEnabled: true });
    expect(adminAccessFromEnv({ SCIM_LOCAL_ADMIN_KEY: 'replace-with-a-long-random-admin-key' }).localKey).toBeUndefined();
    expect(() => adminAccessFromEnv({ SCIM_ADMIN_ROLE: 'a role; drop' })).toThrow(/SCIM_ADMIN_ROLE/);
  });

  it('every admin function is served as manage/* (anonymous at the host, checked by the app) and automation/* (function key)', () => {
    const manage = registrations.filter((r) => r.options.route?.startsWith('manage/') && r.name !== 'console');
    expect(manage.length).toBeGreaterThanOrEqual(11);
    for (const r of manage) {
      expect(r.options.authLevel, r.name).toBe('anonymous');
      const twin = registrations.find((t) => t.name === `${r.name}-automation`);
      expect(twin?.options.route, r.name).toBe(r.options.route?.replace(/^manage\//, 'automation/'));
      expect(twin?.options.authLevel, r.name).toBe('function');
    }
    expect(registrations.some((r) => r.options.authLevel === 'admin')).toBe(false);
  });
});

describe('under func start (the host checks no keys) the app refuses admin routes without the local admin key', () => {
  let bare: LocalHost;
  beforeAll(async () => {
    bare = await startLocalHost({ hostChecksKeys: false });
  });
  afterAll(() => bare.close());

  for (const prefix of ['manage', 'automation']) {
    it(`${prefix}/tenants: 401 without or with a wrong key, 200 with the local admin key`, async () => {
      expect((await fetch(`${bare.baseUrl}/${prefix}/tenants`)).status).toBe(401);
      expect((await fetch(`${bare.baseUrl}/${prefix}/tenants`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
      const ok = await fetch(`${bare.baseUrl}/${prefix}/tenants`, { headers: { 'x-functions-key': 'test-admin-key' } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { tenants: unknown[] }).tenants).toBeInstanceOf(Array);
    });
  }
});

describe('admin requests with a body must be application/json (a cross-site form cannot create a tenant)', () => {
  const name = `csrf-${randomUUID()}`;
  for (const [label, headers, body] of [
    ['an HTML form (urlencoded)', { 'content-type': 'application/x-www-form-urlencoded' }, `name=${name}`],
    ['text/plain', { 'content-type': 'text/plain' }, JSON.stringify({ name })],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n--x--`],
  ] as const) {
    it(`${label} answers 415 and creates nothing`, async () => {
      const res = await fetch(`${stack.baseUrl}/manage/tenants`, { method: 'POST', headers: { 'x-functions-key': 'test-admin-key', ...headers }, body });
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '415', detail: expect.stringMatching(/application\/json/) });
    });
  }

  it('a form post with no body to revoke is refused too; application/json is accepted', async () => {
    const created = await fetch(`${stack.baseUrl}/manage/tenants`, { method: 'POST', headers: { 'x-functions-key': 'test-admin-key', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'json ok' }) });
    expect(created.status).toBe(201);
    const { tenantId } = (await created.json()) as { tenantId: string };
    const form = await fetch(`${stack.baseUrl}/manage/tenants/${tenantId}/revoke`, { method: 'POST', headers: { 'x-functions-key': 'test-admin-key', 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const list = await fetch(`${stack.baseUrl}/manage/tenants`, { headers: { 'x-functions-key': 'test-admin-key' } });
    expect(JSON.stringify(await list.json())).not.toContain(name);
  });
});

describe('Entra sign-in mode (SCIM_ADMIN_ROLE set, App Service Authentication on)', () => {
  afterEach(() => {
    delete process.env.SCIM_ADMIN_ROLE;
    delete process.env.WEBSITE_AUTH_ENABLED;
  });

  it('the console page says so, manage/* takes the injected principal with the role, and the local key no longer opens it', async () => {
    process.env.SCIM_ADMIN_ROLE = 'Scim.Operator';
    process.env.WEBSITE_AUTH_ENABLED = 'True';
    const page = await (await fetch(`${stack.baseUrl}/manage/console`)).text();
    expect(page).toContain('data-admin-auth="entra"');
    const as = (headers: Record<string, string>) => fetch(`${stack.baseUrl}/manage/tenants`, { headers });
    expect((await as({ 'x-ms-client-principal': principal(['Scim.Operator']) })).status).toBe(200);
    expect((await as({ 'x-ms-client-principal': principal(['Reader']) })).status).toBe(403);
    expect((await as({ 'x-functions-key': 'test-admin-key' })).status).toBe(401);
    delete process.env.SCIM_ADMIN_ROLE;
    expect(await (await fetch(`${stack.baseUrl}/manage/console`)).text()).toContain('data-admin-auth="key"');
  });
});

describe('HSTS', () => {
  it('every response the app builds carries Strict-Transport-Security: SCIM, errors, admin API, console', async () => {
    const responses = [
      await fetch(`${stack.baseUrl}/Users`, { headers: { Authorization: `Bearer ${stack.token}` } }),
      await fetch(`${stack.baseUrl}/Users`),
      await fetch(`${stack.baseUrl}/ServiceProviderConfig`),
      await fetch(`${stack.baseUrl}/manage/tenants`, { headers: { 'x-functions-key': 'test-admin-key' } }),
      await fetch(`${stack.baseUrl}/manage/tenants`),
      await fetch(`${stack.baseUrl}/manage/console`),
    ];
    for (const res of responses) expect(res.headers.get('strict-transport-security'), res.url).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('admin errors are SCIM error bodies, mapped at the HTTP edge as for SCIM routes', () => {
  const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = { 'x-functions-key': 'test-admin-key' }) => {
    const res = await fetch(`${stack.baseUrl}/${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('tenants, activity, events, subscriptions and the gate all answer schemas/status/scimType/detail', async () => {
    const cases = [
      { reply: await call('GET', `manage/tenants/${randomUUID()}`), status: 404 },
      { reply: await call('POST', 'manage/tenants', '{not json'), status: 400, scimType: 'invalidSyntax' },
      { reply: await call('POST', 'manage/tenants', JSON.stringify({ name: 'x', colour: 'red' })), status: 400, scimType: 'invalidValue' },
      { reply: await call('POST', 'manage/tenants', JSON.stringify({ name: 7 })), status: 400, scimType: 'invalidValue' },
      { reply: await call('GET', `automation/tenants/${randomUUID()}/activity`), status: 404 },
      { reply: await call('GET', 'manage/events?limit=0'), status: 400 },
      { reply: await call('POST', 'manage/subscriptions', '[]'), status: 400 },
      { reply: await call('GET', 'manage/tenants', undefined, {}), status: 401 },
    ];
    for (const { reply, status, scimType } of cases) {
      expect(reply.body, JSON.stringify(reply.body)).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String) });
      expect(reply.status).toBe(status);
      if (scimType) expect(reply.body.scimType).toBe(scimType);
      expect(reply.body).not.toHaveProperty('error');
    }
    expect(cases.at(-1)?.reply.headers.get('www-authenticate')).toBe('Bearer realm="scim-admin"');
  });

  it('the OAuth token endpoint keeps RFC 6749 errors', async () => {
    const res = await fetch(`${stack.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });
});
