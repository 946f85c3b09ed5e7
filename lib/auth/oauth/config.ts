// Settings of the OAuth 2.0 token endpoint (client credentials and RFC 7523 client assertions). All optional; a
// malformed value throws naming the setting, like lib/config.ts.
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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  throw new Error(`${name} must be true or false (got "${raw}")`);
}

export function oauthSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthSettings {
  return {
    tokenLifetimeSeconds: integer(env, 'SCIM_OAUTH_TOKEN_LIFETIME_SECONDS', 3600, MIN_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS),
    maxAssertionLifetimeSeconds: integer(env, 'SCIM_OAUTH_MAX_ASSERTION_LIFETIME_SECONDS', 7200, 60, 86_400),
    clockSkewSeconds: 60,
    jwksCooldownSeconds: integer(env, 'SCIM_OAUTH_JWKS_COOLDOWN_SECONDS', 30, 1, 3600),
    allowLoopbackHttpJwks: flag(env, 'SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS'),
    failuresPerClientPerMinute: integer(env, 'SCIM_OAUTH_FAILURES_PER_CLIENT_PER_MINUTE', 10, 1, 100_000),
    failuresPerAddressPerMinute: integer(env, 'SCIM_OAUTH_FAILURES_PER_ADDRESS_PER_MINUTE', 30, 1, 100_000),
  };
}

/** Whether `url` may serve a federated client's signing keys: https, or http on loopback when allowed. */
export function acceptableJwksUrl(url: URL, settings: Pick<OAuthSettings, 'allowLoopbackHttpJwks'>): boolean {
  if (url.protocol === 'https:') return true;
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  return url.protocol === 'http:' && loopback && settings.allowLoopbackHttpJwks;
}
