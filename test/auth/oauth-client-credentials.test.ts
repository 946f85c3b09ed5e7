// Issue 14: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) at <base>/oauth2/token, the admin API for OAuth
// clients, and the issued access tokens on the SCIM surface (tenant isolation, read-only scope, revocation).
import { HttpRequest } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oauthSettingsFromEnv } from '../../lib/auth/oauth/config.js';
import { resetTokenFailureLimits, TokenEndpoint } from '../../lib/auth/oauth/token-endpoint.js';
import { getServices } from '../../lib/services.js';
import { ClientGoneError } from '../../lib/store/oauth-store.js';
import { newAccessToken } from '../../lib/auth/oauth/access-tokens.js';
import { tokenHash } from '../../lib/auth/tokens.js';
import { withRequestMetrics } from '../../lib/store/metrics.js';
import { callAs, cli, createTenant, rowsOf, table, type CreatedTenant } from './helpers.js';
import { admin, basic, tokenRequest, tokenRequestFrom } from './oauth-helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let tenantA: CreatedTenant;
let tenantB: CreatedTenant;
let client: { clientId: string; clientSecret: string; tokenEndpoint: string };

beforeAll(async () => {
  stack = await startStack({ SCIM_AUTH_CACHE_SECONDS: '0' });
  tenantA = await createTenant('Contoso');
  tenantB = await createTenant('Fabrikam');
  const created = await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { name: 'Entra provisioning' });
  expect(created.status).toBe(201);
  client = created.body;
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => resetTokenFailureLimits());

describe('admin API for OAuth clients', () => {
  it('POST with {} answers 201 {clientId, clientSecret, tokenEndpoint}; the secret is stored only as its hash', async () => {
    const created = await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, {});
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ clientId: expect.stringMatching(/^[0-9a-f-]{36}$/), clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), tokenEndpoint: `${stack.baseUrl}/oauth2/token`, scope: 'scim' });
    const rows = await rowsOf(table(stack), '~tenants');
    expect(JSON.stringify(rows)).not.toContain(created.body.clientSecret);
    expect(rows.find((r) => r.rowKey === `OC:${created.body.clientId}`)).toMatchObject({ tenantId: tenantA.tenantId, secretHash: expect.any(String) });
  });

  it('GET lists the tenant\'s clients and never a secret', async () => {
    const list = await admin(stack, 'GET', `/${tenantA.tenantId}/oauth-clients`);
    expect(list.status).toBe(200);
    expect(list.body.clients.map((c: { clientId: string }) => c.clientId)).toContain(client.clientId);
    expect(list.text).not.toContain(client.clientSecret);
    expect(list.text).not.toContain('secretHash');
    expect((await admin(stack, 'GET', `/${tenantB.tenantId}/oauth-clients`)).body.clients).toEqual([]);
  });

  it('refuses bad input with 400 and unknown tenants with 404', async () => {
    expect((await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { scope: 'admin' })).status).toBe(400);
    expect((await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { secret: 'x' })).status).toBe(400);
    expect((await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { federation: { issuer: 'x' } })).status).toBe(400);
    const httpJwks = { issuer: 'https://login.microsoftonline.com/t/v2.0', jwksUri: 'http://keys.example/keys', subject: 's', audience: 'a' };
    expect((await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { federation: httpJwks })).status).toBe(400);
    expect((await admin(stack, 'POST', '/00000000-0000-4000-8000-000000000000/oauth-clients', {})).status).toBe(404);
    expect((await admin(stack, 'DELETE', `/${tenantA.tenantId}/oauth-clients/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('needs the admin key', async () => {
    const res = await fetch(`${stack.baseUrl}/manage/tenants/${tenantA.tenantId}/oauth-clients`);
    expect(res.status).toBe(401);
  });
});

describe('token endpoint: client credentials', () => {
  it('issues a token with HTTP Basic client authentication (RFC 6749 §2.3.1, §5.1), no-store, lifetime 1 h', async () => {
    const res = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^scimat\./), token_type: 'Bearer', expires_in: 3600, scope: 'scim' });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(3600);
    expect(res.body.expires_in).toBeLessThanOrEqual(21_600);
  });

  it('issues a token with form client_id + client_secret, and the token works on /Users', async () => {
    const res = await tokenRequest(stack, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: 'scim' });
    expect(res.status).toBe(200);
    const as = callAs(stack, res.body.access_token);
    const created = await as('POST', '/Users', entraUser('oauth.user@contoso.com'));
    expect(created.status).toBe(201);
    const list = await as('GET', '/Users?filter=userName eq "oauth.user@contoso.com"');
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(1);
    // The secret token of the same tenant sees the same data: the access token is bound to tenant A.
    expect((await callAs(stack, tenantA.token)('GET', `/Users/${created.body.id}`)).status).toBe(200);
  });

  it('a token of tenant A never reaches tenant B\'s data', async () => {
    const tokenA = (await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret))).body.access_token;
    const inB = await callAs(stack, tenantB.token)('POST', '/Users', entraUser('only.in.b@fabrikam.com'));
    expect(inB.status).toBe(201);
    expect((await callAs(stack, tokenA)('GET', `/Users/${inB.body.id}`)).status).toBe(404);
    expect((await callAs(stack, tokenA)('GET', '/Users?filter=userName eq "only.in.b@fabrikam.com"')).body.totalResults).toBe(0);
  });

  it('answers a wrong secret, an unknown client and a missing authentication with the same 401 invalid_client', async () => {
    const wrong = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, 'not-the-secret'));
    const unknown = await tokenRequest(stack, { grant_type: 'client_credentials', client_id: '00000000-0000-4000-8000-000000000000', client_secret: client.clientSecret });
    const none = await tokenRequest(stack, { grant_type: 'client_credentials' });
    const garbage = await tokenRequest(stack, { grant_type: 'client_credentials' }, { Authorization: 'Basic !!!' });
    for (const res of [wrong, unknown, none, garbage]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).toBe(wrong.text);
    }
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });

  it('answers an unsupported grant with 400 unsupported_grant_type and a missing one with invalid_request', async () => {
    const code = await tokenRequest(stack, { grant_type: 'authorization_code', code: 'x' }, basic(client.clientId, client.clientSecret));
    expect(code.status).toBe(400);
    expect(code.body.error).toBe('unsupported_grant_type');
    const missing = await tokenRequest(stack, { client_id: client.clientId, client_secret: client.clientSecret });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('answers malformed requests with 400 invalid_request (RFC 6749 §3.2, §2.3) and an oversized body with 413', async () => {
    const json = await fetch(`${stack.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    const repeated = await tokenRequest(stack, `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`);
    expect(repeated.body.error).toBe('invalid_request');
    const twoMethods = await tokenRequest(stack, { grant_type: 'client_credentials', client_secret: client.clientSecret }, basic(client.clientId, client.clientSecret));
    expect(twoMethods.body.error).toBe('invalid_request');
    const huge = await tokenRequest(stack, { grant_type: 'client_credentials', pad: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('invalid_request');
  });

  it('grants scim.read on request, refuses unknown scopes with 400 invalid_scope', async () => {
    const read = await tokenRequest(stack, { grant_type: 'client_credentials', scope: 'scim.read' }, basic(client.clientId, client.clientSecret));
    expect(read.body.scope).toBe('scim.read');
    const bad = await tokenRequest(stack, { grant_type: 'client_credentials', scope: 'openid' }, basic(client.clientId, client.clientSecret));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_scope');
  });

  it('a scim.read token reads (GET, POST /.search) and gets 403 on writes', async () => {
    const created = await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { name: 'lookups', scope: 'scim.read' });
    const token = (await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(created.body.clientId, created.body.clientSecret))).body;
    expect(token.scope).toBe('scim.read');
    const as = callAs(stack, token.access_token);
    expect((await as('GET', '/Users')).status).toBe(200);
    expect((await as('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })).status).toBe(200);
    const write = await as('POST', '/Users', entraUser('read.only@contoso.com'));
    expect(write.status).toBe(403);
    expect(write.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    // A read-only client cannot ask for more.
    const more = await tokenRequest(stack, { grant_type: 'client_credentials', scope: 'scim' }, basic(created.body.clientId, created.body.clientSecret));
    expect(more.body.error).toBe('invalid_scope');
  });

  it('costs four storage calls per token request (client, tenant, the client\'s tokens, one transaction)', async () => {
    const services = await getServices();
    const endpoint = new TokenEndpoint(services.oauth, services.tenants, oauthSettingsFromEnv());
    const request = () =>
      new HttpRequest({
        method: 'POST',
        url: `${stack.baseUrl}/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(client.clientId, client.clientSecret) },
        body: { string: 'grant_type=client_credentials' },
      });
    for (let i = 0; i < 2; i++) {
      const { result, metrics } = await withRequestMetrics(() => endpoint.handle(request(), 'test'));
      expect(result.token.token_type).toBe('Bearer');
      expect(metrics.storageCalls).toBe(4);
    }
  });
});

describe('revocation', () => {
  it('DELETE revokes the client: no new tokens, and the tokens it obtained stop working', async () => {
    const created = (await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { name: 'to revoke' })).body;
    const token = (await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(created.clientId, created.clientSecret))).body.access_token;
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(200);
    const deleted = await admin(stack, 'DELETE', `/${tenantA.tenantId}/oauth-clients/${created.clientId}`);
    expect(deleted.status).toBe(200);
    const again = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(created.clientId, created.clientSecret));
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_client');
    const old = await callAs(stack, token)('GET', '/Users');
    expect(old.status).toBe(401);
    const rows = await rowsOf(table(stack), '~tenants');
    expect(rows.filter((r) => String(r.rowKey).includes(created.clientId))).toEqual([]);
    // Another tenant cannot delete tenant A's client.
    expect((await admin(stack, 'DELETE', `/${tenantB.tenantId}/oauth-clients/${client.clientId}`)).status).toBe(404);
  });

  it('an expired access token gets 401 (the expiry is checked on every request)', async () => {
    const services = await getServices();
    const token = newAccessToken();
    await services.oauth.issueToken({ hash: tokenHash(token), tenantId: tenantA.tenantId, clientId: client.clientId, scope: 'scim', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await callAs(stack, token)('GET', '/Users');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('an issuance racing a delete fails: the token transaction requires the client row (no orphan token)', async () => {
    const created = (await admin(stack, 'POST', `/${tenantA.tenantId}/oauth-clients`, { name: 'racing' })).body;
    const services = await getServices();
    // The delete wins between the issuance's read of the client and its transaction.
    await table(stack).deleteEntity('~tenants', `OC:${created.clientId}`);
    const record = { hash: 'A'.repeat(43), tenantId: tenantA.tenantId, clientId: created.clientId, scope: 'scim' as const, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    await expect(services.oauth.issueToken(record)).rejects.toBeInstanceOf(ClientGoneError);
    expect(await services.oauth.findToken(record.hash)).toBeUndefined();
  });

  it('deleting the tenant removes its OAuth clients and tokens', async () => {
    const doomed = await createTenant('Doomed');
    const created = (await admin(stack, 'POST', `/${doomed.tenantId}/oauth-clients`, {})).body;
    const token = (await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(created.clientId, created.clientSecret))).body.access_token;
    expect((await admin(stack, 'DELETE', `/${doomed.tenantId}`)).status).toBe(200);
    expect((await callAs(stack, token)('GET', '/Users')).status).toBe(401);
    const rows = await rowsOf(table(stack), '~tenants');
    expect(rows.filter((r) => String(r.rowKey).includes(created.clientId) || r.tenantId === doomed.tenantId)).toEqual([]);
  });
});

describe('failed attempts', () => {
  it('are limited per client: beyond the limit the endpoint answers 429 with Retry-After, even for the right secret', async () => {
    for (let i = 0; i < 10; i++) expect((await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, `wrong-${i}`))).status).toBe(401);
    const limited = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('are limited per address, whichever client ids are tried', async () => {
    // The client-chosen X-Forwarded-For entry does not matter: the connecting address (appended by the front end) does.
    const spoofed = { 'X-Forwarded-For': '203.0.113.7:50123' };
    for (let i = 0; i < 30; i++) {
      const res = await tokenRequestFrom(stack, '127.0.0.5', { grant_type: 'client_credentials', client_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, client_secret: 'x' }, spoofed);
      expect(res.status).toBe(401);
    }
    expect((await tokenRequestFrom(stack, '127.0.0.5', { grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret))).status).toBe(429);
    // Another address is not affected, whatever header it sends.
    expect((await tokenRequestFrom(stack, '127.0.0.6', { grant_type: 'client_credentials' }, { ...spoofed, ...basic(client.clientId, client.clientSecret) })).status).toBe(200);
  });
});

describe('tenants CLI', () => {
  it('oauth-client-create / -list / -delete manage the same clients as the admin API', async () => {
    const created = await cli('oauth-client-create', '--tenant', tenantB.tenantId, '--name', 'from cli', '--base-url', stack.baseUrl, '--json');
    expect(created.code).toBe(0);
    expect(created.json).toEqual({ clientId: expect.any(String), clientSecret: expect.any(String), tokenEndpoint: `${stack.baseUrl}/oauth2/token`, scope: 'scim' });
    const token = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(created.json.clientId, created.json.clientSecret));
    expect(token.status).toBe(200);
    const text = await cli('oauth-client-create', '--tenant', tenantB.tenantId, '--federation-issuer', 'https://login.microsoftonline.com/x/v2.0', '--federation-jwks-uri', 'https://login.microsoftonline.com/x/discovery/v2.0/keys', '--federation-subject', 'sp-object-id', '--federation-audience', 'api://app');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Workload identity federation');
    expect(text.stdout).not.toContain('Client secret');
    const list = await cli('oauth-client-list', '--tenant', tenantB.tenantId, '--json');
    expect(list.json.clients.map((c: { type: string }) => c.type).sort()).toEqual(['federated', 'secret']);
    expect(list.stdout).not.toContain(created.json.clientSecret);
    const deleted = await cli('oauth-client-delete', '--tenant', tenantB.tenantId, '--client', created.json.clientId, '--json');
    expect(deleted.json).toEqual({ clientId: created.json.clientId, revoked: true });
    expect((await callAs(stack, token.body.access_token)('GET', '/Users')).status).toBe(401);
    const partial = await cli('oauth-client-create', '--tenant', tenantB.tenantId, '--federation-issuer', 'https://x');
    expect(partial.code).toBe(2);
  });
});
