// Issue 14, workload identity federation: a federated OAuth client whose RFC 7523 client assertions are signed locally
// with jose and verified against a JWKS served on loopback (standing in for Entra's
// https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys). Every bad assertion gets the same 401 invalid_client.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetTokenFailureLimits } from '../../lib/auth/oauth/token-endpoint.js';
import { callAs, createTenant, type CreatedTenant } from './helpers.js';
import { admin, tokenRequest, type Reply } from './oauth-helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ENTRA_TENANT = randomUUID();
const ISSUER = `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`;
const SUBJECT = randomUUID(); // the provisioning service's workload identity (object id)
const AUDIENCE = `api://${randomUUID()}`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  spki: string;
}

async function keyPair(kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' }, spki: await exportSPKI(publicKey) };
}

let stack: Stack;
let keyServer: http.Server;
let jwksUri: string;
let keyRequests = 0;
const published: JWK[] = [];
let k1: KeyPair;
let k2: KeyPair;
let stranger: KeyPair;
let tenant: CreatedTenant;
let clientId: string;

const now = () => Math.floor(Date.now() / 1000);

function claims(extra: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, sub: SUBJECT, aud: AUDIENCE, tid: ENTRA_TENANT, ver: '2.0', iat: now(), nbf: now(), exp: now() + 3600, jti: randomUUID(), ...extra };
}

async function sign(key: KeyPair, payload: JWTPayload = claims(), kid = key.kid): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key.privateKey);
}

function exchange(assertion: string, extra: Record<string, string> = {}): Promise<Reply> {
  return tokenRequest(stack, { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: 'scim', ...extra });
}

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([keyPair('k1'), keyPair('k2'), keyPair('k-stranger')]);
  published.push(k1.jwk);
  keyServer = http.createServer((req, res) => {
    keyRequests++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/${ENTRA_TENANT}/discovery/v2.0/keys`;
  stack = await startStack({ SCIM_AUTH_CACHE_SECONDS: '0', SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS: 'true', SCIM_OAUTH_JWKS_COOLDOWN_SECONDS: '1' });
  tenant = await createTenant('Federated Co');
  const created = await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, { name: 'Entra WIF', federation: { issuer: ISSUER, jwksUri, subject: SUBJECT, audience: AUDIENCE } });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ clientId: expect.any(String), tokenEndpoint: `${stack.baseUrl}/oauth2/token`, scope: 'scim' });
  clientId = created.body.clientId;
});

afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => (keyServer ? keyServer.close(() => resolve()) : resolve()));
});

beforeEach(() => resetTokenFailureLimits());

describe('a valid client assertion', () => {
  it('is exchanged for an access token that works on /Users', async () => {
    const res = await exchange(await sign(k1));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^scimat\./), token_type: 'Bearer', expires_in: 3600, scope: 'scim' });
    expect((await callAs(stack, res.body.access_token)('GET', '/Users')).status).toBe(200);
  });

  it('is accepted once: the same jti again gets invalid_client (replay)', async () => {
    const assertion = await sign(k1);
    expect((await exchange(assertion)).status).toBe(200);
    const replay = await exchange(assertion);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  it('without jti is accepted (the jti check applies when present), and within 60 s of skew', async () => {
    const { jti: _jti, ...noJti } = claims({ nbf: now() + 30, iat: now() + 30 });
    expect((await exchange(await sign(k1, noJti))).status).toBe(200);
    expect((await exchange(await sign(k1, claims({ exp: now() - 30 })))).status).toBe(200);
  });

  it('signed with a rotated-in key is accepted after a refetch of the JWKS', async () => {
    published.push(k2.jwk);
    await new Promise((r) => setTimeout(r, 1100)); // past the refetch cooldown
    expect((await exchange(await sign(k2))).status).toBe(200);
  });
});

describe('a bad client assertion gets the same 401 invalid_client', () => {
  let reference: Reply;
  beforeAll(async () => {
    reference = await tokenRequest(stack, { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: 'not.a.jwt' });
    expect(reference.status).toBe(401);
  });

  const cases: [string, () => Promise<string>][] = [
    ['wrong aud', () => sign(k1, claims({ aud: 'api://someone-else' }))],
    ['wrong sub', () => sign(k1, claims({ sub: randomUUID() }))],
    ['wrong iss', () => sign(k1, claims({ iss: `https://login.microsoftonline.com/${randomUUID()}/v2.0` }))],
    ['iss differing only in case', () => sign(k1, claims({ iss: ISSUER.toUpperCase() }))],
    ['expired', () => sign(k1, claims({ exp: now() - 120, iat: now() - 3700, nbf: now() - 3700 }))],
    ['not yet valid', () => sign(k1, claims({ nbf: now() + 300 }))],
    ['no exp', () => sign(k1, { ...claims(), exp: undefined })],
    ['longer-lived than allowed', () => sign(k1, claims({ exp: now() + 3 * 3600 }))],
    ['signed by another key under a published kid', () => sign(stranger, claims(), 'k1')],
    ['signed by an unknown key with an unknown kid', () => sign(stranger)],
    [
      'alg none',
      async () => {
        const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
      },
    ],
    ['HS256 signed with the public key', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(k1.spki))],
    ['RS512 (RS256 only)', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'RS512', kid: 'k1' }).sign((await generateKeyPair('RS512')).privateKey)],
  ];

  for (const [name, make] of cases) {
    it(name, async () => {
      resetTokenFailureLimits();
      const res = await exchange(await make());
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(res.text).toBe(reference.text);
    });
  }

  it('a valid assertion presented for another client id, or for a secret client', async () => {
    const secretClient = (await admin(stack, 'POST', `/${tenant.tenantId}/oauth-clients`, {})).body;
    const forSecret = await tokenRequest(stack, { grant_type: 'client_credentials', client_id: secretClient.clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: await sign(k1) });
    expect(forSecret.text).toBe(reference.text);
    const unknown = await tokenRequest(stack, { grant_type: 'client_credentials', client_id: randomUUID(), client_assertion_type: ASSERTION_TYPE, client_assertion: await sign(k1) });
    expect(unknown.text).toBe(reference.text);
  });

  it('unknown kids refetch the JWKS at a bounded rate', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const before = keyRequests;
    for (let i = 0; i < 5; i++) {
      resetTokenFailureLimits();
      expect((await exchange(await sign(stranger, claims(), `forged-${i}`))).status).toBe(401);
    }
    expect(keyRequests - before).toBeLessThanOrEqual(1);
  });
});

describe('request shape', () => {
  it('an assertion type other than jwt-bearer is 400 invalid_request; a missing client_id too', async () => {
    const wrongType = await exchange(await sign(k1), { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toBe('invalid_request');
    const noId = await tokenRequest(stack, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await sign(k1) });
    expect(noId.status).toBe(400);
    expect(noId.body.error).toBe('invalid_request');
  });
});
