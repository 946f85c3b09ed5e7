// Resolves the tenant from the request's bearer credential, never from anything else the client can choose:
//   1. the configured SCIM_TOKEN (if set)        -> the built-in tenant "default"
//   2. a JWT (three dot-separated segments)      -> an Entra-issued token, mapped by its Entra tenant (entra-jwt.ts)
//   3. `scimat.<random>`                         -> an OAuth access token from oauth2/token (oauth/access-tokens.ts)
//   4. anything else                             -> a secret token, looked up by its SHA-256 (one point read)
// Lookups are cached in memory for SCIM_AUTH_CACHE_SECONDS (default 30 s, bounded in size), so a revoked or reset
// token stops working on every instance within that time (at once on the instance that made the change). A
// suspended tenant gets 403 and an exhausted request budget 429, both only after the credential has been verified;
// so does a write made with a read-only (`scim.read`) access token.
import type { HttpRequest } from '@azure/functions';
import { ScimError } from '../scim/errors.js';
import { getServices } from '../services.js';
import type { AccessTokenRecord, OAuthStore } from '../store/oauth-store.js';
import { DEFAULT_TENANT, type Tenant, type TenantStore } from '../store/tenant-store.js';
import { credentialCaches } from './credential-cache.js';
import { isAccessToken, resolveAccessToken, scopeAllows } from './oauth/access-tokens.js';
import { claimedEntraTenant, InvalidJwtError, jwtSettingsFromEnv, looksLikeJwt, SigningKeysUnavailableError, verifyEntraJwt } from './entra-jwt.js';
import { defaultRequestsPerMinute, RateLimiter } from './rate-limit.js';
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

export function unauthorized(reason = 'invalid token'): ScimError {
  return new AuthenticationError(reason, true);
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
  return env.SCIM_TOKEN || undefined;
}

const limiter = new RateLimiter();

/** Forgets request budgets (tests). */
export function resetRateLimits(): void {
  limiter.clear();
}

export async function authenticate(request: HttpRequest): Promise<string> {
  const token = bearerToken(request);
  const configured = configuredToken();
  if (configured !== undefined && sameToken(token, configured)) {
    enforceBudget(DEFAULT_TENANT, undefined);
    return DEFAULT_TENANT;
  }
  const services = await getServices();
  const store = services.tenants;
  const grant = isAccessToken(token) ? await accessGrant(token, services.oauth) : undefined;
  const tenant = grant ? await liveTenant(grant.tenantId, store) : looksLikeJwt(token) ? await tenantFromJwt(token, store) : await tenantFromSecret(token, store);
  if (tenant.status === 'suspended') throw new ScimError(403, undefined, 'This tenant is suspended.');
  enforceBudget(tenant.id, tenant.requestsPerMinute);
  if (grant && !scopeAllows(grant.scope, request)) throw new ScimError(403, undefined, 'This access token is read-only (scope scim.read).');
  return tenant.id;
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
    record = await store.findToken(hash);
    if (!record) throw new AuthenticationError('unknown token', true);
    cache.tokens.set(hash, record);
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
    tenantId = (await store.findJwtIssuer(entraTenant)) ?? null;
    cache.jwtIssuers.set(entraTenant, tenantId);
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
    tenant = (await store.getTenant(tenantId)) ?? null;
    cache.tenants.set(tenantId, tenant);
  }
  if (tenant === null || tenant.status === 'deleting') throw new AuthenticationError('tenant gone', true);
  return tenant;
}

function enforceBudget(tenantId: string, ownBudget: number | undefined): void {
  const budget = ownBudget ?? defaultRequestsPerMinute();
  if (budget === undefined || budget <= 0) return;
  const retryAfter = limiter.take(tenantId, budget);
  if (retryAfter > 0) {
    throw new ScimError(429, undefined, `Too many requests for this tenant (budget ${budget} per minute); retry later.`, { 'Retry-After': String(retryAfter) });
  }
}
