// Entra-issued JWTs (the provisioning service's own token when the admin leaves Secret Token blank): RS256 only,
// signature checked against the Entra tenant's published signing keys (fetched over HTTPS, cached, re-fetched when a
// token names an unknown `kid`), `iss` = https://sts.windows.net/<entra-tenant-id>/, configurable `aud`,
// `exp`/`nbf` with a small clock skew, `iat` no older than a maximum age, app-only (no `scp`), and optionally a
// pinned client application. The crypto is jose's; this module only decides what to accept.
import { SettingsReader } from '../settings-reader.js';
import type { JWTPayload } from 'jose';
import { loadJose } from './jose.js';
import { KeysUnavailableError, remoteKeySet } from './jwks.js';

/** The app id Entra uses as `aud` for every non-gallery app's provisioning token. */
export const DEFAULT_AUDIENCE = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';
/** Where an Entra tenant publishes its token signing keys; `{tenant}` is the Entra tenant id. */
export const DEFAULT_KEYS_URL_TEMPLATE = 'https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys';

export interface JwtSettings {
  audience: string;
  keysUrlTemplate: string;
  /** Allowed clock difference for exp/nbf, in seconds. */
  clockToleranceSeconds: number;
  /** After a key fetch, how long an unknown `kid` does not trigger another fetch (protects the key endpoint). */
  refetchCooldownMs: number;
  /** Oldest accepted token, by its `iat` (SCIM_JWT_MAX_AGE_SECONDS, default 7200: Entra issues tokens for 60-90 min). */
  maxAgeSeconds: number;
  /** When non-empty, the token's client (`appid` in v1 tokens, `azp` in v2) must be one of these (SCIM_JWT_ALLOWED_APP_IDS). */
  allowedAppIds: string[];
}

export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSettings {
  const r = new SettingsReader(env);
  const template = r.text('SCIM_ENTRA_KEYS_URL_TEMPLATE') ?? DEFAULT_KEYS_URL_TEMPLATE;
  const url = new URL(template.replace('{tenant}', '00000000-0000-0000-0000-000000000000'));
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error('SCIM_ENTRA_KEYS_URL_TEMPLATE must be an https URL (plain http is allowed on loopback only, for tests).');
  }
  return {
    audience: r.text('SCIM_JWT_AUDIENCE') ?? DEFAULT_AUDIENCE,
    keysUrlTemplate: template,
    clockToleranceSeconds: r.number('SCIM_JWT_CLOCK_SKEW_SECONDS', 60, { allowZero: true }),
    refetchCooldownMs: r.number('SCIM_JWT_KEYS_COOLDOWN_SECONDS', 30, { allowZero: true }) * 1000,
    maxAgeSeconds: r.int('SCIM_JWT_MAX_AGE_SECONDS', 7200),
    allowedAppIds: appIds(r.text('SCIM_JWT_ALLOWED_APP_IDS')),
  };
}

function appIds(raw: string | undefined): string[] {
  const ids = (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  for (const id of ids) if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new Error(`SCIM_JWT_ALLOWED_APP_IDS must be a comma-separated list of application (client) ids (got "${id}")`);
  return ids;
}

/** Three base64url segments: the shape of a JWS compact serialization (our secret tokens contain no dots). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISSUER = /^https:\/\/sts\.windows\.net\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/$/;

/**
 * The Entra tenant a token claims to come from (`tid`, else the issuer), read WITHOUT verification: it only chooses
 * which of our tenants and which signing keys to verify against; verification then pins the issuer to it.
 */
export function claimedEntraTenant(token: string): string | undefined {
  const payload = unverifiedPayload(token);
  if (!payload) return undefined;
  const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : undefined;
  if (tid !== undefined) return UUID.test(tid) ? tid : undefined;
  const match = typeof payload.iss === 'string' ? ISSUER.exec(payload.iss) : null;
  return match ? match[1] : undefined;
}

/** The claims of a compact JWT, decoded only (what jose's decodeJwt does, without loading jose for it). */
function unverifiedPayload(token: string): JWTPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as JWTPayload) : undefined;
  } catch {
    return undefined;
  }
}

/** The signing keys could not be fetched: the caller answers 503 (retry later), not 401. */
export { KeysUnavailableError as SigningKeysUnavailableError };

/** A token that is not acceptable (any reason; the reason is for server-side diagnostics only). */
export class InvalidJwtError extends Error {
  constructor(readonly reason: string) {
    super(`invalid Entra token: ${reason}`);
    this.name = 'InvalidJwtError';
  }
}


/**
 * The provisioning service calls as an application: a token with delegated scopes (`scp`) or a non-app identity type
 * (`idtyp`, when Entra includes it) is a user's token replayed here, refused. The client may be pinned.
 */
function checkAppOnly(payload: JWTPayload, settings: JwtSettings): void {
  if (payload.scp !== undefined) throw new InvalidJwtError('delegated (user) token');
  if (payload.idtyp !== undefined && payload.idtyp !== 'app') throw new InvalidJwtError('not an app-only token');
  if (settings.allowedAppIds.length > 0) {
    const client = typeof payload.appid === 'string' ? payload.appid : typeof payload.azp === 'string' ? payload.azp : '';
    if (!settings.allowedAppIds.includes(client.toLowerCase())) throw new InvalidJwtError('client application not allowed');
  }
}

/**
 * Verifies a token that claims to come from `entraTenantId`. Throws InvalidJwtError for any unacceptable token and
 * SigningKeysUnavailableError when the keys cannot be fetched.
 */
export async function verifyEntraJwt(token: string, entraTenantId: string, settings: JwtSettings): Promise<JWTPayload> {
  const { errors, jwtVerify } = await loadJose();
  try {
    const { payload } = await jwtVerify(token, await remoteKeySet(settings.keysUrlTemplate.replace('{tenant}', entraTenantId), settings.refetchCooldownMs), {
      algorithms: ['RS256'],
      issuer: `https://sts.windows.net/${entraTenantId}/`,
      audience: settings.audience,
      clockTolerance: settings.clockToleranceSeconds,
      maxTokenAge: settings.maxAgeSeconds,
      requiredClaims: ['exp', 'iat'],
    });
    if (payload.tid !== undefined && String(payload.tid).toLowerCase() !== entraTenantId) throw new InvalidJwtError('tid does not match the issuer');
    checkAppOnly(payload, settings);
    return payload;
  } catch (error) {
    if (error instanceof InvalidJwtError) throw error;
    if (error instanceof KeysUnavailableError) throw error;
    if (error instanceof errors.JWKSTimeout) throw new KeysUnavailableError('signing keys request timed out');
    if (error instanceof errors.JOSEError) throw new InvalidJwtError(error.code);
    // jose throws TypeError for some malformed inputs (e.g. a header that is not JSON).
    if (error instanceof TypeError) throw new InvalidJwtError('malformed');
    throw error;
  }
}
