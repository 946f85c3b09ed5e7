// Access tokens issued by the token endpoint: opaque 256-bit random values with a recognisable prefix, stored only as
// their SHA-256 (row OA:<hash>). Resolving one is a point read, cached per instance for SCIM_AUTH_CACHE_SECONDS like
// the secret tokens, so a revoked client's tokens stop working on every instance within that bound. The expiry is
// checked on every request (exact, not subject to caching).
import type { HttpRequest } from '@azure/functions';
import type { AccessTokenRecord, OAuthScope, OAuthStore } from '../../store/oauth-store.js';
import { TtlCache } from '../cache.js';
import { authCacheSeconds } from '../credential-cache.js';
import { generateToken, tokenHash } from '../tokens.js';

/** Prefix of every access token: tells them from secret tokens (no dot) and JWTs (two dots) without a lookup. */
export const ACCESS_TOKEN_PREFIX = 'scimat.';
const ACCESS_TOKEN = /^scimat\.[A-Za-z0-9_-]{43}$/;
const MAX_CACHED = 10_000;

export function newAccessToken(): string {
  return `${ACCESS_TOKEN_PREFIX}${generateToken()}`;
}

export function isAccessToken(token: string): boolean {
  return ACCESS_TOKEN.test(token);
}

let cache: { ttlSeconds: number; tokens: TtlCache<AccessTokenRecord | null> } | undefined;

function tokenCache(): TtlCache<AccessTokenRecord | null> {
  const ttlSeconds = authCacheSeconds();
  if (!cache || cache.ttlSeconds !== ttlSeconds) cache = { ttlSeconds, tokens: new TtlCache(ttlSeconds * 1000, MAX_CACHED) };
  return cache.tokens;
}

/** Drops this instance's cached access-token lookups (after a client is revoked here). */
export function invalidateAccessTokenCache(): void {
  cache = undefined;
}

/** The live grant behind an access token, or undefined when it is unknown, revoked or expired. */
export async function resolveAccessToken(token: string, store: OAuthStore, now = Date.now()): Promise<AccessTokenRecord | undefined> {
  const hash = tokenHash(token);
  const tokens = tokenCache();
  let record = tokens.get(hash);
  if (record === undefined) {
    record = (await store.findToken(hash)) ?? null;
    // Unknown hashes are not cached: a token issued a moment ago on another instance must work at once.
    if (record) tokens.set(hash, record);
  }
  if (!record || Date.parse(record.expiresAt) <= now) return undefined;
  return record;
}

/** Reads never change data: GET/HEAD, and POST to `/.search` (RFC 7644 §3.4.3). */
export function isReadRequest(request: HttpRequest): boolean {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && new URL(request.url).pathname.replace(/\/+$/, '').toLowerCase().endsWith('/.search');
}

/** Whether a grant of `scope` may make this request (`scim.read` grants reads only). */
export function scopeAllows(scope: OAuthScope, request: HttpRequest): boolean {
  return scope === 'scim' || isReadRequest(request);
}
