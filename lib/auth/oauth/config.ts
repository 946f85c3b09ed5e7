// Settings of the OAuth 2.0 token endpoint (client credentials and RFC 7523 client assertions). All optional; a
// malformed value throws naming the setting, like lib/config.ts.
import { SettingsReader } from '../../settings-reader.js';

export interface OAuthSettings {
  /** Lifetime of an issued access token (SCIM_OAUTH_TOKEN_LIFETIME_SECONDS, default 3600; 3600-21600 as Microsoft asks). */
  tokenLifetimeSeconds: number;
  /** Longest accepted client assertion, exp minus iat/nbf (SCIM_OAUTH_MAX_ASSERTION_LIFETIME_SECONDS, default 7200). */
  maxAssertionLifetimeSeconds: number;
  /** Clock skew allowed on an assertion's exp/nbf/iat (fixed: 60 s). */
  clockSkewSeconds: number;
  /** After a JWKS fetch, how long an unknown `kid` does not trigger another (SCIM_OAUTH_JWKS_COOLDOWN_SECONDS, default 30). */
  jwksCooldownSeconds: number;
  /** Local development only: accept http:// JWKS URLs on loopback hosts (SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS, default false). */
  allowLoopbackHttpJwks: boolean;
  /** Failed token requests tolerated per client id per minute (SCIM_OAUTH_FAILURES_PER_CLIENT_PER_MINUTE, default 10). */
  failuresPerClientPerMinute: number;
  /** Failed token requests tolerated per client address per minute (SCIM_OAUTH_FAILURES_PER_ADDRESS_PER_MINUTE, default 30). */
  failuresPerAddressPerMinute: number;
}

export const MIN_TOKEN_LIFETIME_SECONDS = 3600;
export const MAX_TOKEN_LIFETIME_SECONDS = 21_600;

export function oauthSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthSettings {
  const r = new SettingsReader(env);
  return {
    tokenLifetimeSeconds: r.int('SCIM_OAUTH_TOKEN_LIFETIME_SECONDS', 3600, { min: MIN_TOKEN_LIFETIME_SECONDS, max: MAX_TOKEN_LIFETIME_SECONDS }),
    maxAssertionLifetimeSeconds: r.int('SCIM_OAUTH_MAX_ASSERTION_LIFETIME_SECONDS', 7200, { min: 60, max: 86_400 }),
    clockSkewSeconds: 60,
    jwksCooldownSeconds: r.int('SCIM_OAUTH_JWKS_COOLDOWN_SECONDS', 30, { min: 1, max: 3600 }),
    allowLoopbackHttpJwks: r.flag('SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS'),
    failuresPerClientPerMinute: r.int('SCIM_OAUTH_FAILURES_PER_CLIENT_PER_MINUTE', 10, { min: 1, max: 100_000 }),
    failuresPerAddressPerMinute: r.int('SCIM_OAUTH_FAILURES_PER_ADDRESS_PER_MINUTE', 30, { min: 1, max: 100_000 }),
  };
}

/** Whether `url` may serve a federated client's signing keys: https, or http on loopback when allowed. */
export function acceptableJwksUrl(url: URL, settings: Pick<OAuthSettings, 'allowLoopbackHttpJwks'>): boolean {
  if (url.protocol === 'https:') return true;
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  return url.protocol === 'http:' && loopback && settings.allowLoopbackHttpJwks;
}
