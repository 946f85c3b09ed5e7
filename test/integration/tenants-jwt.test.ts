// Issue 6, JWT mode: Entra-issued tokens, verified against signing keys served by a local key server on loopback
// (standing in for https://login.microsoftonline.com/<tid>/discovery/v2.0/keys) and signed locally with jose.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIENCE } from '../../lib/auth/entra-jwt.js';
import { callAs, cli, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTRA_TENANT = randomUUID(); // the customer's Entra tenant, mapped to our tenant `mapped`
const OTHER_ENTRA_TENANT = randomUUID(); // mapped to another of our tenants
const UNMAPPED_ENTRA_TENANT = randomUUID(); // mapped to none
const BROKEN_KEYS_TENANT = randomUUID(); // its key endpoint fails

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  /** The private key as a JWK, to sign with other algorithms. */
  privateJwk: JWK;
  jwk: JWK;
  spki: string;
}

async function keyPair(kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  // Entra's published keys carry kty/use/kid/n/e (and x5c) but no "alg".
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig' };
  return { kid, privateKey, privateJwk: await exportJWK(privateKey), jwk, spki: await exportSPKI(publicKey) };
}

let stack: Stack;
let keyServer: http.Server;
let keyRequests: string[] = [];
const published: JWK[] = [];
let k1: KeyPair;
let k2: KeyPair;
let stranger: KeyPair;
let mapped: CreatedTenant;
let other: CreatedTenant;

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([keyPair('k1'), keyPair('k2'), keyPair('k-unknown')]);
  published.push(k1.jwk);
  keyServer = http.createServer((req, res) => {
    keyRequests.push(req.url ?? '');
    const match = /^\/([0-9a-f-]{36})\/discovery\/v2\.0\/keys$/.exec(req.url ?? '');
    if (!match || match[1] === BROKEN_KEYS_TENANT) {
      res.statusCode = match ? 500 : 404;
      return res.end();
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  const { port } = keyServer.address() as AddressInfo;
  stack = await startStack({
    SCIM_ENTRA_KEYS_URL_TEMPLATE: `http://127.0.0.1:${port}/{tenant}/discovery/v2.0/keys`,
    // Let an unknown kid trigger a fetch at once (production default: at most one such fetch per 30 s).
    SCIM_JWT_KEYS_COOLDOWN_SECONDS: '0',
  });
  mapped = await createTenant('Contoso (JWT)', '--jwt-issuer-tenant', ENTRA_TENANT);
  other = await createTenant('Fabrikam (JWT)', '--jwt-issuer-tenant', OTHER_ENTRA_TENANT);
  await createTenant('Broken keys', '--jwt-issuer-tenant', BROKEN_KEYS_TENANT);
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => keyServer.close(resolve));
});

const now = (): number => Math.floor(Date.now() / 1000);

/** The claims of the token Entra's provisioning service sends, with overrides (undefined removes a claim). */
function claims(overrides: Record<string, unknown> = {}, tid: string = ENTRA_TENANT): JWTPayload {
  const t = now();
  return {
    aud: DEFAULT_AUDIENCE,
    iss: `https://sts.windows.net/${tid}/`,
    iat: t - 60,
    nbf: t - 60,
    exp: t + 3600,
    appid: randomUUID(),
    oid: randomUUID(),
    tid,
    ...overrides,
  };
}

async function sign(payload: JWTPayload = claims(), key: KeyPair = k1, alg = 'RS256'): Promise<string> {
  const privateKey = alg === 'RS256' ? key.privateKey : await importJWK({ ...key.privateJwk, alg: undefined }, alg);
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(privateKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function getUsers(token: string): Promise<{ status: number; body: unknown; wwwAuthenticate: string | null }> {
  const reply = await callAs(stack, token)('GET', '/Users');
  return { status: reply.status, body: reply.body, wwwAuthenticate: reply.headers.get('www-authenticate') };
}

describe('a valid Entra-issued token', () => {
  it('authenticates as the tenant its Entra tenant is mapped to', async () => {
    const token = await sign();
    const created = await callAs(stack, token)('POST', '/Users', entraUser(`jwt-${randomUUID()}@contoso.com`));
    expect(created.status).toBe(201);
    // The same tenant as the secret token's ...
    expect((await callAs(stack, mapped.token)('GET', `/Users/${created.body.id}`)).status).toBe(200);
    // ... and not another tenant's, whichever credential that one uses.
    expect((await callAs(stack, other.token)('GET', `/Users/${created.body.id}`)).status).toBe(404);
    expect((await callAs(stack, await sign(claims({}, OTHER_ENTRA_TENANT)))('GET', `/Users/${created.body.id}`)).status).toBe(404);
  });

  it('accepts an expiry within the allowed clock skew (60 s)', async () => {
    expect((await getUsers(await sign(claims({ exp: now() - 20 })))).status).toBe(200);
    expect((await getUsers(await sign(claims({ nbf: now() + 20 })))).status).toBe(200);
  });

  it('keeps working through a key rotation: an unknown kid makes the service fetch the keys again', async () => {
    published.push(k2.jwk);
    keyRequests = [];
    expect((await getUsers(await sign(claims(), k2))).status).toBe(200);
    expect(keyRequests.length).toBe(1);
    // Known keys are cached: no fetch per request.
    keyRequests = [];
    for (let i = 0; i < 5; i++) expect((await getUsers(await sign())).status).toBe(200);
    expect(keyRequests).toEqual([]);
  });
});

describe('rejected tokens: 401, WWW-Authenticate: Bearer, one body for all', () => {
  const bodies = new Set<string>();
  const reject = async (token: string | Promise<string>): Promise<void> => {
    const reply = await getUsers(await token);
    expect(reply.status).toBe(401);
    expect(reply.wwwAuthenticate).toMatch(/^Bearer realm="scim"/);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '401' });
    bodies.add(JSON.stringify(reply.body));
  };

  it('wrong issuer (another Entra tenant\'s issuer, the v2 issuer, a look-alike host, none)', async () => {
    await reject(sign(claims({ iss: `https://sts.windows.net/${OTHER_ENTRA_TENANT}/` })));
    await reject(sign(claims({ iss: `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0` })));
    await reject(sign(claims({ iss: `https://sts.windows.net.evil.example/${ENTRA_TENANT}/` })));
    await reject(sign(claims({ iss: undefined })));
  });

  it('wrong audience (or none)', async () => {
    await reject(sign(claims({ aud: randomUUID() })));
    await reject(sign(claims({ aud: undefined })));
  });

  it('expired (beyond the clock skew), not yet valid, or without exp', async () => {
    await reject(sign(claims({ exp: now() - 600 })));
    await reject(sign(claims({ nbf: now() + 600 })));
    await reject(sign(claims({ exp: undefined })));
  });

  it('alg: none (unsigned)', async () => {
    await reject(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
    await reject(`${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64(claims())}.${Buffer.from('x').toString('base64url')}`);
  });

  it('HS256 signed with the public key (algorithm confusion)', async () => {
    const payload = claims();
    await reject(new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' }).sign(new TextEncoder().encode(k1.spki)));
    await reject(new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' }).sign(Buffer.from(String(k1.jwk.n), 'base64url')));
  });

  it('an RSA algorithm other than RS256, with a published key', async () => {
    await reject(sign(claims(), k1, 'RS512'));
    await reject(sign(claims(), k1, 'PS256'));
  });

  it('unknown kid (after asking the key server again)', async () => {
    keyRequests = [];
    await reject(sign(claims(), stranger));
    expect(keyRequests.length).toBeGreaterThanOrEqual(1);
    // A known kid with the wrong key's signature.
    await reject(sign(claims(), { ...stranger, kid: 'k1' }));
  });

  it('tampered payload (claims changed after signing)', async () => {
    const [header, payload, signature] = (await sign()).split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    await reject(`${header}.${b64({ ...decoded, oid: randomUUID() })}.${signature}`);
    await reject(`${header}.${b64({ ...decoded, exp: now() + 86_400 * 365 })}.${signature}`);
    // Pointing the token at another mapped Entra tenant (same published keys) fails as well.
    const retargeted = { ...decoded, tid: OTHER_ENTRA_TENANT, iss: `https://sts.windows.net/${OTHER_ENTRA_TENANT}/` };
    await reject(`${header}.${b64(retargeted)}.${signature}`);
    await reject(`${header}.${payload}.${signature.slice(0, -4)}AAAA`);
  });

  it('a correctly signed token from an Entra tenant mapped to none of our tenants', async () => {
    await reject(sign(claims({}, UNMAPPED_ENTRA_TENANT)));
    await reject(sign(claims({ tid: 'not-a-guid' })));
    await reject(sign(claims({ tid: undefined, iss: undefined })));
  });

  it('malformed tokens', async () => {
    await reject('a.b.c');
    await reject(`${b64({ alg: 'RS256' })}.not-json.${b64('x')}`);
  });

  it('answered every one of these with the same body', () => {
    expect(bodies.size).toBe(1);
  });
});

describe('operator control over JWT mode', () => {
  it('an Entra tenant maps to one of our tenants only', async () => {
    const again = await cli('create', '--name', 'Duplicate mapping', '--jwt-issuer-tenant', ENTRA_TENANT, '--json');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already mapped/);
  });

  it('removing the mapping stops JWTs (the secret token still works); adding it back restores them', async () => {
    const t = await createTenant('Toggle', '--jwt-issuer-tenant', randomUUID());
    const shown = await cli('show', '--tenant', t.tenantId, '--json');
    const entraTenant = shown.json.jwtIssuerTenant as string;
    const token = await sign(claims({}, entraTenant));
    expect((await getUsers(token)).status).toBe(200);
    expect((await cli('update', '--tenant', t.tenantId, '--jwt-issuer-tenant', 'none')).code).toBe(0);
    expect((await getUsers(token)).status).toBe(401);
    expect((await getUsers(t.token)).status).toBe(200);
    expect((await cli('update', '--tenant', t.tenantId, '--jwt-issuer-tenant', entraTenant)).code).toBe(0);
    expect((await getUsers(token)).status).toBe(200);
  });

  it('a suspended tenant gets 403 for a valid JWT too', async () => {
    const entraTenant = randomUUID();
    const t = await createTenant('Suspended JWT', '--jwt-issuer-tenant', entraTenant);
    await cli('suspend', '--tenant', t.tenantId);
    expect((await getUsers(await sign(claims({}, entraTenant)))).status).toBe(403);
    // ... but only once the token is verified: a bad one is still 401.
    expect((await getUsers(await sign(claims({ aud: randomUUID() }, entraTenant)))).status).toBe(401);
  });

  it('when the signing keys cannot be fetched the answer is 503 with Retry-After (retryable), not 401', async () => {
    const reply = await callAs(stack, await sign(claims({}, BROKEN_KEYS_TENANT)))('GET', '/Users');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBeTruthy();
  });
});
