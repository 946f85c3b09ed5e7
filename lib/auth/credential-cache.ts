// The process's cache of credential lookups (token -> tenant, Entra tenant -> tenant, tenant rows), shared by
// authentication and the operator actions, which drop it after every change so that this process sees the change at
// once; other instances see it when their entries expire (SCIM_AUTH_CACHE_SECONDS, default 30 s).
import { SettingsReader } from '../settings-reader.js';
import type { Tenant, TokenRecord } from '../store/tenant-store.js';
import { TtlCache } from './cache.js';

const MAX_CACHED = 10_000;

export interface CredentialCaches {
  ttlSeconds: number;
  /** token hash -> token row (only tokens that exist are cached). */
  tokens: TtlCache<TokenRecord>;
  /** tenant id -> tenant row, or null when there is none. */
  tenants: TtlCache<Tenant | null>;
  /** Entra tenant id -> our tenant id, or null when unmapped. */
  jwtIssuers: TtlCache<string | null>;
}

/** Seconds a credential lookup is trusted (SCIM_AUTH_CACHE_SECONDS, default 30; 0 disables the cache). */
export function authCacheSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return new SettingsReader(env).number('SCIM_AUTH_CACHE_SECONDS', 30, { allowZero: true });
}

let caches: CredentialCaches | undefined;

export function credentialCaches(): CredentialCaches {
  const ttlSeconds = authCacheSeconds();
  if (!caches || caches.ttlSeconds !== ttlSeconds) {
    const ttlMs = ttlSeconds * 1000;
    caches = { ttlSeconds, tokens: new TtlCache(ttlMs, MAX_CACHED), tenants: new TtlCache(ttlMs, MAX_CACHED), jwtIssuers: new TtlCache(ttlMs, MAX_CACHED) };
  }
  return caches;
}

/** Drops every cached credential lookup in this process. */
export function invalidateCredentialCache(): void {
  caches = undefined;
}
