// Issue 14, the pieces of the token endpoint without a server: settings validation, the failed-attempt limiter, the
// caller's address, access-token recognition and the read-only scope rule.
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { isAccessToken, newAccessToken, scopeAllows } from '../../lib/auth/oauth/access-tokens.js';
import { acceptableJwksUrl, oauthSettingsFromEnv } from '../../lib/auth/oauth/config.js';
import { FailureLimiter } from '../../lib/auth/oauth/failure-limiter.js';
import { looksLikeJwt } from '../../lib/auth/entra-jwt.js';

const request = (method: string, path: string, headers: Record<string, string> = {}) => new HttpRequest({ method, url: `https://h/scim/v2${path}`, headers });

describe('OAuth settings', () => {
  it('default to a 1 h token, a 2 h assertion limit, https-only JWKS', () => {
    expect(oauthSettingsFromEnv({})).toEqual({
      tokenLifetimeSeconds: 3600,
      maxAssertionLifetimeSeconds: 7200,
      clockSkewSeconds: 60,
      jwksCooldownSeconds: 30,
      allowLoopbackHttpJwks: false,
      failuresPerClientPerMinute: 10,
      failuresPerAddressPerMinute: 30,
    });
  });

  it('accept a token lifetime from 1 h to 6 h and name the setting when it is outside or malformed', () => {
    expect(oauthSettingsFromEnv({ SCIM_OAUTH_TOKEN_LIFETIME_SECONDS: '21600' }).tokenLifetimeSeconds).toBe(21_600);
    for (const bad of ['3599', '21601', '1h', '3600.5']) {
      expect(() => oauthSettingsFromEnv({ SCIM_OAUTH_TOKEN_LIFETIME_SECONDS: bad })).toThrow(/SCIM_OAUTH_TOKEN_LIFETIME_SECONDS/);
    }
    expect(() => oauthSettingsFromEnv({ SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS: 'maybe' })).toThrow(/SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS/);
  });

  it('allow http JWKS URLs only on loopback and only when the local-development setting is on', () => {
    const on = { allowLoopbackHttpJwks: true };
    const off = { allowLoopbackHttpJwks: false };
    expect(acceptableJwksUrl(new URL('https://login.microsoftonline.com/t/discovery/v2.0/keys'), off)).toBe(true);
    expect(acceptableJwksUrl(new URL('http://127.0.0.1:8080/keys'), off)).toBe(false);
    expect(acceptableJwksUrl(new URL('http://127.0.0.1:8080/keys'), on)).toBe(true);
    expect(acceptableJwksUrl(new URL('http://keys.example/keys'), on)).toBe(false);
    expect(acceptableJwksUrl(new URL('file:///etc/passwd'), on)).toBe(false);
  });
});

describe('FailureLimiter', () => {
  it('lets a key fail `limit` times in a minute, then answers with the seconds until the window ends', () => {
    let now = 0;
    const limiter = new FailureLimiter(() => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('k', 3)).toBe(0);
      limiter.recordFailure('k');
    }
    expect(limiter.retryAfter('k', 3)).toBe(60);
    now = 45_000;
    expect(limiter.retryAfter('k', 3)).toBe(15);
    expect(limiter.retryAfter('other', 3)).toBe(0);
    now = 60_000;
    expect(limiter.retryAfter('k', 3)).toBe(0);
  });
});

describe('access tokens', () => {
  it('are recognisable without a lookup and never mistaken for a secret token or a JWT', () => {
    const token = newAccessToken();
    expect(isAccessToken(token)).toBe(true);
    expect(looksLikeJwt(token)).toBe(false);
    expect(isAccessToken('hVb0m1J8o1X6f8tVt4q1mC0k9yZJr3p2QeW7sLxN5aE')).toBe(false);
    expect(isAccessToken('scimat.short')).toBe(false);
  });

  it('scim.read allows GET, HEAD and POST /.search only', () => {
    expect(scopeAllows('scim.read', request('GET', '/Users'))).toBe(true);
    expect(scopeAllows('scim.read', request('POST', '/Users/.search?aadOptscim062020'))).toBe(true);
    expect(scopeAllows('scim.read', request('POST', '/.search'))).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(scopeAllows('scim.read', request(method, '/Users/1'))).toBe(false);
    expect(scopeAllows('scim', request('DELETE', '/Users/1'))).toBe(true);
  });
});
