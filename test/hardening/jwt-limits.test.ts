// Issue 15: Entra-issued JWTs (blank Secret Token) have a maximum age, must be app-only, and may be pinned to a client
// application. Keys come from a loopback key server standing in for login.microsoftonline.com.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIENCE, jwtSettingsFromEnv } from '../../lib/auth/entra-jwt.js';
import { invalidateCredentialCache } from '../../lib/auth/credential-cache.js';
import { callAs, createTenant } from '../auth/helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ENTRA_TENANT = randomUUID();
const PROVISIONING_APP = randomUUID();
let stack: Stack;
let keyServer: http.Server;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', use: 'sig' };
  keyServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  const { port } = keyServer.address() as AddressInfo;
  stack = await startStack({ SCIM_ENTRA_KEYS_URL_TEMPLATE: `http://127.0.0.1:${port}/{tenant}/discovery/v2.0/keys` });
  await createTenant('JWT limits', '--jwt-issuer-tenant', ENTRA_TENANT);
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => keyServer.close(resolve));
});
afterEach(() => {
  delete process.env.SCIM_JWT_ALLOWED_APP_IDS;
  delete process.env.SCIM_JWT_MAX_AGE_SECONDS;
  invalidateCredentialCache();
});

const now = (): number => Math.floor(Date.now() / 1000);

function token(overrides: Record<string, unknown> = {}): Promise<string> {
  const t = now();
  const payload: JWTPayload = { aud: DEFAULT_AUDIENCE, iss: `https://sts.windows.net/${ENTRA_TENANT}/`, iat: t - 60, nbf: t - 60, exp: t + 3600, appid: PROVISIONING_APP, oid: randomUUID(), tid: ENTRA_TENANT, ...overrides };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).sign(privateKey);
}

const status = async (t: string): Promise<number> => (await callAs(stack, t)('GET', '/Users')).status;

describe('Entra-issued JWT limits', () => {
  it('accepts the provisioning service\'s app-only token', async () => {
    expect(await status(await token())).toBe(200);
  });

  it('refuses a token issued longer ago than the maximum age (default 2 h), or without iat, even if not expired', async () => {
    expect(await status(await token({ iat: now() - 7300, nbf: now() - 7300, exp: now() + 600 }))).toBe(401);
    expect(await status(await token({ iat: undefined }))).toBe(401);
    process.env.SCIM_JWT_MAX_AGE_SECONDS = '30';
    expect(await status(await token({ iat: now() - 120 }))).toBe(401);
    expect(await status(await token({ iat: now() - 5 }))).toBe(200);
  });

  it('refuses delegated (user) tokens: scp present, or idtyp other than app', async () => {
    expect(await status(await token({ scp: 'user_impersonation' }))).toBe(401);
    expect(await status(await token({ idtyp: 'user' }))).toBe(401);
    expect(await status(await token({ idtyp: 'app' }))).toBe(200);
  });

  it('when SCIM_JWT_ALLOWED_APP_IDS is set, only those clients (appid, or azp in v2 tokens) get in', async () => {
    process.env.SCIM_JWT_ALLOWED_APP_IDS = `${randomUUID()}, ${PROVISIONING_APP.toUpperCase()}`;
    expect(await status(await token())).toBe(200);
    expect(await status(await token({ appid: undefined, azp: PROVISIONING_APP }))).toBe(200);
    expect(await status(await token({ appid: randomUUID() }))).toBe(401);
    expect(await status(await token({ appid: undefined }))).toBe(401);
  });

  it('validates its settings, naming them', () => {
    expect(jwtSettingsFromEnv({})).toMatchObject({ maxAgeSeconds: 7200, allowedAppIds: [] });
    expect(() => jwtSettingsFromEnv({ SCIM_JWT_MAX_AGE_SECONDS: '-1' })).toThrow(/SCIM_JWT_MAX_AGE_SECONDS/);
    expect(() => jwtSettingsFromEnv({ SCIM_JWT_ALLOWED_APP_IDS: 'not-a-guid' })).toThrow(/SCIM_JWT_ALLOWED_APP_IDS/);
  });
});
