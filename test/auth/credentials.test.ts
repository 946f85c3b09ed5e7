// Unit rules of the auth building blocks: token generation and hashing, the credential cache bounds, request
// budgets, and the JWT pre-checks that run before any storage read or signature check.
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../lib/auth/cache.js';
import { claimedEntraTenant, DEFAULT_AUDIENCE, DEFAULT_KEYS_URL_TEMPLATE, jwtSettingsFromEnv, looksLikeJwt } from '../../lib/auth/entra-jwt.js';
import { RateLimiter, defaultRequestsPerMinute } from '../../lib/auth/rate-limit.js';
import { generateToken, sameHash, sameToken, tokenHash } from '../../lib/auth/tokens.js';
import { isTenantId, TENANT_PARTITION } from '../../lib/store/tenant-store.js';

describe('secret tokens', () => {
  it('carry 256 bits of randomness as 43 base64url characters, never the same twice', () => {
    const tokens = Array.from({ length: 1000 }, generateToken);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      expect(looksLikeJwt(t)).toBe(false);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('are stored as the base64url SHA-256 and compared in constant time', () => {
    expect(tokenHash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(sameHash(tokenHash('abc'), tokenHash('abc'))).toBe(true);
    expect(sameHash(tokenHash('abc'), tokenHash('abd'))).toBe(false);
    expect(sameHash('short', tokenHash('abc'))).toBe(false);
    expect(sameToken('a', 'a')).toBe(true);
    expect(sameToken('a', 'a'.repeat(1000))).toBe(false);
  });
});

describe('the credential cache', () => {
  it('forgets an entry after its time-to-live', () => {
    let now = 0;
    const cache = new TtlCache<string>(30_000, 10, () => now);
    cache.set('k', 'tenant');
    now = 29_999;
    expect(cache.get('k')).toBe('tenant');
    now = 30_000;
    expect(cache.get('k')).toBeUndefined();
  });

  it('holds at most its bound, dropping the oldest first', () => {
    const cache = new TtlCache<number>(60_000, 3);
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k4')).toBe(4);
  });

  it('caches nothing with a time-to-live of 0', () => {
    const cache = new TtlCache<number>(0, 3);
    cache.set('k', 1);
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('request budgets', () => {
  it('allow a minute\'s budget in a burst, then 429 with the seconds until the next request fits', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const results = Array.from({ length: 7 }, () => limiter.take('t', 6));
    expect(results).toEqual([0, 0, 0, 0, 0, 0, 10]);
    now = 10_000;
    expect(limiter.take('t', 6)).toBe(0);
    expect(limiter.take('t', 6)).toBe(10);
    expect(limiter.take('other', 6)).toBe(0);
  });

  it('are off unless SCIM_TENANT_REQUESTS_PER_MINUTE is set', () => {
    expect(defaultRequestsPerMinute({})).toBeUndefined();
    expect(defaultRequestsPerMinute({ SCIM_TENANT_REQUESTS_PER_MINUTE: 'off' })).toBeUndefined();
    expect(defaultRequestsPerMinute({ SCIM_TENANT_REQUESTS_PER_MINUTE: '3000' })).toBe(3000);
    expect(() => defaultRequestsPerMinute({ SCIM_TENANT_REQUESTS_PER_MINUTE: 'lots' })).toThrow();
  });
});

describe('JWT pre-checks', () => {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';

  it('reads the claimed Entra tenant from tid, else from the sts.windows.net issuer, else none', () => {
    expect(claimedEntraTenant(`${b64({ alg: 'RS256' })}.${b64({ tid })}.sig`)).toBe(tid);
    expect(claimedEntraTenant(`${b64({ alg: 'RS256' })}.${b64({ tid: tid.toUpperCase() })}.sig`)).toBe(tid);
    expect(claimedEntraTenant(`${b64({ alg: 'RS256' })}.${b64({ iss: `https://sts.windows.net/${tid}/` })}.sig`)).toBe(tid);
    expect(claimedEntraTenant(`${b64({ alg: 'RS256' })}.${b64({ iss: `https://evil.example/${tid}/` })}.sig`)).toBeUndefined();
    expect(claimedEntraTenant(`${b64({ alg: 'RS256' })}.${b64({ tid: '../x' })}.sig`)).toBeUndefined();
    expect(claimedEntraTenant('a.b.c')).toBeUndefined();
  });

  it('defaults to Entra\'s key endpoint and the shared non-gallery audience, and refuses plain http off loopback', () => {
    expect(jwtSettingsFromEnv({})).toMatchObject({ audience: DEFAULT_AUDIENCE, keysUrlTemplate: DEFAULT_KEYS_URL_TEMPLATE, clockToleranceSeconds: 60 });
    expect(DEFAULT_AUDIENCE).toBe('8adf8e6e-67b2-4cf2-a259-e3dc5476c621');
    expect(jwtSettingsFromEnv({ SCIM_JWT_AUDIENCE: 'api://mine' }).audience).toBe('api://mine');
    expect(() => jwtSettingsFromEnv({ SCIM_ENTRA_KEYS_URL_TEMPLATE: 'http://keys.example/{tenant}' })).toThrow(/https/);
    expect(jwtSettingsFromEnv({ SCIM_ENTRA_KEYS_URL_TEMPLATE: 'http://127.0.0.1:1234/{tenant}' }).keysUrlTemplate).toContain('127.0.0.1');
  });
});

describe('tenant ids and the reserved partition', () => {
  it('accepts generated UUIDs and "default" only; the reserved partition is not a tenant id', () => {
    expect(isTenantId('3f2504e0-4f89-41d3-9a0c-0305e82c3301')).toBe(true);
    expect(isTenantId('default')).toBe(true);
    expect(isTenantId(TENANT_PARTITION)).toBe(false);
    expect(isTenantId('3F2504E0-4F89-41D3-9A0C-0305E82C3301')).toBe(false);
    expect(isTenantId('')).toBe(false);
  });
});
