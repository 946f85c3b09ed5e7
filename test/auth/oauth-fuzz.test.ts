// Issue 14, bad input at the token endpoint: random forms, content types, Authorization headers and assertions (some
// built around a real client id and secret). Property: every answer is an RFC 6749 JSON error or a token, with
// Cache-Control: no-store, never a 5xx, and a 401 body is always the one invalid_client body.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetTokenFailureLimits } from '../../lib/auth/oauth/token-endpoint.js';
import { createTenant } from './helpers.js';
import { admin } from './oauth-helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ERRORS = new Set(['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope', 'temporarily_unavailable']);

let stack: Stack;
let clientId: string;
let clientSecret: string;

beforeAll(async () => {
  stack = await startStack({ SCIM_AUTH_CACHE_SECONDS: '0' });
  const tenant = await createTenant('Fuzzed');
  ({ clientId, clientSecret } = (await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, {})).body);
});

afterAll(async () => {
  await stack?.close();
});

describe('token endpoint under random input', () => {
  it('answers every request with a token or an RFC 6749 error, never a 5xx', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('client_credentials', 'authorization_code', 'password', '', 'scim', 'scim.read', 'scim openid', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'),
      fc.constant(clientId),
      fc.constant(clientSecret),
      fc.constant('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    const key = fc.constantFrom('grant_type', 'client_id', 'client_secret', 'client_assertion_type', 'client_assertion', 'scope', 'other');
    const form = fc.array(fc.tuple(key, value), { maxLength: 7 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
    const rawBody = fc.oneof(form, fc.string({ maxLength: 200 }), fc.constant('%%%&&&==='), fc.constant('a=b&a=c'));
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/json', 'text/plain', undefined);
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constant(`Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`),
      fc.string({ maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.string({ maxLength: 40 }).map((s) => `Basic ${s}`),
      fc.constant('Bearer abc'),
    );
    let tally = 0;
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, authorization, async (body, type, auth) => {
        resetTokenFailureLimits();
        const headers: Record<string, string> = {};
        if (type !== undefined) headers['Content-Type'] = type;
        if (auth !== undefined) headers.Authorization = auth;
        const res = await fetch(`${stack.baseUrl}/oauth2/token`, { method: 'POST', headers, body });
        const text = await res.text();
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const json = JSON.parse(text) as { error?: string; access_token?: string };
        if (res.status === 200) expect(json.access_token).toMatch(/^scimat\./);
        else expect(ERRORS.has(json.error ?? '')).toBe(true);
        if (res.status === 401) expect(json.error).toBe('invalid_client');
        tally++;
      }),
      { numRuns: 150 },
    );
    expect(tally).toBe(150);
  });
});
