// Resolves the tenant from the request's bearer credential, never from anything else the client can choose:
//   1. the configured SCIM_TOKEN (if set)        -> the built-in tenant "default"
//   2. a JWT (three dot-separated segments)      -> an Entra-issued token, mapped by its Entra tenant (entra-jwt.ts)
//   3. `scimat.<random>`                         -> an OAuth access token from oauth2/token (oauth/access-tokens.ts)
//   4. anything else                             -> a secret token, looked up by its SHA-256 (one point read)
// Lookups are cached in memory for SCIM_AUTH_CACHE_SECONDS (default 30 s, bounded in size) counted from when the read
// was sent, and never past a token's own expiry, so a revoked or reset token stops working on every instance within
// that time (at once on the instance that made the change), and a grace period ends everywhere when it says. A
// suspended tenant gets 403 and an exhausted request budget 429, both only after the credential has been verified;
// so does a write made with a read-only (`scim.read`) access token.
import type { HttpRequest } from '@azure/functions';
import { ScimError } from '../scim/errors.js';
import { SettingsReader } from '../settings-reader.js';
import type { Services } from '../services.js';
import type { AccessTokenRecord, OAuthStore } from '../store/oauth-store.js';
import { DEFAULT_TENANT, type Tenant, type TenantStore } from '../store/tenant-store.js';
import { credentialCaches } from './credential-cache.js';
import { isAccessToken, resolveAccessToken, scopeAllows } from './oauth/access-tokens.js';
import { claimedEntraTenant, InvalidJwtError, jwtSettingsFromEnv, looksLikeJwt, SigningKeysUnavailableError, verifyEntraJwt } from './entra-jwt.js';
import { currentStorageCalls } from '../store/metrics.js';
import { authFailuresPerMinute, clientAddress, defaultRequestsPerMinute, RateLimiter } from './rate-limit.js';
import { sameHash, sameToken, tokenHash } from './tokens.js';

export { DEFAULT_TENANT } from '../store/tenant-store.js';
export { sameToken, tokenDigest } from './tokens.js';
export { authCacheSeconds, invalidateCredentialCache } from './credential-cache.js';

/** One body for every rejected credential (missing, malformed, unknown, revoked, expired, bad JWT): no oracle. */
const UNAUTHORIZED_DETAIL = 'The bearer token is missing or not valid.';

/** A 401. `reason` stays on the server (diagnostics); the client always sees the same body. */
export class AuthenticationError extends ScimError {
  constructor(
    readonly reason: string,
    tokenPresent: boolean,
  ) {
    super(401, undefined, UNAUTHORIZED_DETAIL, {
      'WWW-Authenticate': tokenPresent ? 'Bearer realm="scim", error="invalid_token"' : 'Bearer realm="scim"',
    });
  }
}

export function bearerToken(request: HttpRequest): string {
  const header = request.headers.get('authorization');
  if (!header) throw new AuthenticationError('no Authorization header', false);
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  if (!match) throw new AuthenticationError('not a Bearer credential', true);
  return match[1];
}

/** The default tenant's token from configuration (SCIM_TOKEN), if any. */
export function configuredToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return new SettingsReader(env).text('SCIM_TOKEN');
}

const limiter = new RateLimiter();
/** Failed authentications per client address: over the limit, only credentials this instance has cached get in. */
const failures = new RateLimiter();

/** Forgets request budgets and failure counts (tests). */
export function resetRateLimits(): void {
  limiter.clear();
  failures.clear();
}

/** The tenant the request's bearer credential belongs to; `services` are the HTTP edge's (lib/http/edge.ts). */
export async function authenticate(request: HttpRequest, services: Pick<Services, 'tenants' | 'oauth'>): Promise<string> {
  const address = clientAddress(request.headers.get('x-forwarded-for'));
  try {
    const token = bearerToken(request);
    const configured = configuredToken();
    if (configured !== undefined && sameToken(token, configured)) {
      enforceBudget(request, DEFAULT_TENANT, undefined);
      return DEFAULT_TENANT;
    }
    refuseUncachedWhenFailing(address, token);
    const store = services.tenants;
    const grant = isAccessToken(token) ? await accessGrant(token, services.oauth) : undefined;
    const tenant = grant ? await liveTenant(grant.tenantId, store) : looksLikeJwt(token) ? await tenantFromJwt(token, store) : await tenantFromSecret(token, store);
    if (tenant.status === 'suspended') throw new ScimError(403, undefined, 'This tenant is suspended.');
    enforceBudget(request, tenant.id, tenant.requestsPerMinute);
    if (grant && !scopeAllows(grant.scope, request)) throw new ScimError(403, undefined, 'This access token is read-only (scope scim.read).');
    return tenant.id;
  } catch (error) {
    const limit = authFailuresPerMinute();
    if (error instanceof AuthenticationError && limit !== undefined) failures.charge(address, limit, 1);
    throw error;
  }
}

/**
 * An address that has used up its failed authentications gets 429 for any credential that would cost a storage read
 * or a key fetch to check; credentials already cached here still work (Entra's addresses are shared by many jobs).
 */
function refuseUncachedWhenFailing(address: string, token: string): void {
  const limit = authFailuresPerMinute();
  if (limit === undefined) return;
  const retryAfter = failures.retryAfter(address, limit);
  if (retryAfter === 0) return;
  const cache = credentialCaches();
  const entraTenant = looksLikeJwt(token) ? claimedEntraTenant(token) : undefined;
  const cached = entraTenant !== undefined ? cache.jwtIssuers.get(entraTenant) : looksLikeJwt(token) ? undefined : cache.tokens.get(tokenHash(token));
  if (cached) return;
  throw new ScimError(429, undefined, 'Too many failed authentications from this address; retry later.', { 'Retry-After': String(retryAfter) });
}

async function accessGrant(token: string, oauth: OAuthStore): Promise<AccessTokenRecord> {
  const grant = await resolveAccessToken(token, oauth);
  if (!grant) throw new AuthenticationError('unknown, revoked or expired access token', true);
  return grant;
}

async function tenantFromSecret(token: string, store: TenantStore): Promise<Tenant> {
  const hash = tokenHash(token);
  const cache = credentialCaches();
  let record = cache.tokens.get(hash);
  if (!record) {
    const readAt = Date.now();
    record = await store.findToken(hash);
    if (!record) throw new AuthenticationError('unknown token', true);
    cache.tokens.set(hash, record, readAt, record.expiresAt === undefined ? undefined : Date.parse(record.expiresAt));
  }
  // The point read matched the key already; the comparison here is constant-time all the same.
  if (!sameHash(record.hash, hash)) throw new AuthenticationError('unknown token', true);
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now()) throw new AuthenticationError('token expired (grace period over)', true);
  return liveTenant(record.tenantId, store);
}

async function tenantFromJwt(token: string, store: TenantStore): Promise<Tenant> {
  const entraTenant = claimedEntraTenant(token);
  if (!entraTenant) throw new AuthenticationError('JWT without an Entra tenant', true);
  const cache = credentialCaches();
  let tenantId = cache.jwtIssuers.get(entraTenant);
  if (tenantId === undefined) {
    const readAt = Date.now();
    tenantId = (await store.findJwtIssuer(entraTenant)) ?? null;
    cache.jwtIssuers.set(entraTenant, tenantId, readAt);
  }
  if (tenantId === null) throw new AuthenticationError('JWT from an Entra tenant mapped to no tenant', true);
  try {
    await verifyEntraJwt(token, entraTenant, jwtSettingsFromEnv());
  } catch (error) {
    if (error instanceof InvalidJwtError) throw new AuthenticationError(error.reason, true);
    if (error instanceof SigningKeysUnavailableError) {
      throw new ScimError(503, undefined, 'The token signing keys could not be fetched; retry later.', { 'Retry-After': '10' });
    }
    throw error;
  }
  const tenant = await liveTenant(tenantId, store);
  if (tenant.jwtIssuerTenant !== entraTenant) throw new AuthenticationError('JWT mapping out of date', true);
  return tenant;
}

/** The credential's tenant, which must still exist and not be in deletion. */
async function liveTenant(tenantId: string, store: TenantStore): Promise<Tenant> {
  const cache = credentialCaches();
  let tenant = cache.tenants.get(tenantId);
  if (tenant === undefined) {
    const readAt = Date.now();
    tenant = (await store.getTenant(tenantId)) ?? null;
    cache.tenants.set(tenantId, tenant, readAt);
  }
  if (tenant === null || tenant.status === 'deleting') throw new AuthenticationError('tenant gone', true);
  return tenant;
}

/** What a request was admitted against, to charge its storage calls when it is done. */
const admitted = new WeakMap<HttpRequest, { tenantId: string; budget: number; callsAtAdmission: number }>();

function enforceBudget(request: HttpRequest, tenantId: string, ownBudget: number | undefined): void {
  const budget = ownBudget ?? defaultRequestsPerMinute();
  if (budget === undefined || budget <= 0) return;
  const retryAfter = limiter.take(tenantId, budget);
  if (retryAfter > 0) {
    throw new ScimError(429, undefined, `Too many requests for this tenant (budget ${budget} per minute); retry later.`, { 'Retry-After': String(retryAfter) });
  }
  admitted.set(request, { tenantId, budget, callsAtAdmission: currentStorageCalls() });
}

/**
 * Charges a finished request's storage calls beyond the one unit it took to get in (credential lookups excluded:
 * they are cached and bounded), so a 10,000-member PATCH weighs what it costs and not what a lookup costs.
 */
export function chargeStorageCalls(request: HttpRequest, storageCalls: number): void {
  const entry = admitted.get(request);
  if (!entry) return;
  admitted.delete(request);
  limiter.charge(entry.tenantId, entry.budget, storageCalls - entry.callsAtAdmission - 1);
}
