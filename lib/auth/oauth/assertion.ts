// RFC 7523 client assertions of federated clients (workload identity federation): a JWT signed by the customer's
// identity provider (Entra ID), checked against the trust the operator stored for the client. RS256 only; keys from
// the trust's JWKS URL (https; loopback http only when SCIM_OAUTH_ALLOW_LOOPBACK_HTTP_JWKS is set), cached by `kid`
// and fetched again for an unknown `kid` at most once per cooldown; iss, aud and sub exactly the stored values;
// exp required, exp/nbf/iat with 60 s skew; a maximum lifetime. The crypto is jose's.
import { loadJose } from '../jose.js';
import type { FederationTrust } from '../../store/oauth-store.js';
import { KeysUnavailableError, remoteKeySet } from '../jwks.js';
import { acceptableJwksUrl, type OAuthSettings } from './config.js';

/** The assertion is not acceptable; `reason` is for server-side diagnostics only. */
export class InvalidAssertionError extends Error {
  constructor(readonly reason: string) {
    super(`invalid client assertion: ${reason}`);
    this.name = 'InvalidAssertionError';
  }
}

export { KeysUnavailableError };

export interface VerifiedAssertion {
  /** The assertion's jti, when it has one (checked for replay by the caller). */
  jti?: string;
  /** exp, in seconds since the epoch. */
  exp: number;
}

export async function verifyClientAssertion(assertion: string, trust: FederationTrust, settings: OAuthSettings, now = Date.now()): Promise<VerifiedAssertion> {
  let url: URL;
  try {
    url = new URL(trust.jwksUri);
  } catch {
    throw new InvalidAssertionError('stored JWKS URL is not a URL');
  }
  if (!acceptableJwksUrl(url, settings)) throw new InvalidAssertionError('JWKS URL is not https');
  const skew = settings.clockSkewSeconds;
  const { errors, jwtVerify } = await loadJose();
  try {
    const { payload } = await jwtVerify(assertion, await remoteKeySet(url.href, settings.jwksCooldownSeconds * 1000, 'error'), {
      algorithms: ['RS256'],
      issuer: trust.issuer,
      audience: trust.audience,
      subject: trust.subject,
      clockTolerance: skew,
      requiredClaims: ['exp'],
      currentDate: new Date(now),
    });
    const exp = payload.exp as number;
    const nowSeconds = Math.floor(now / 1000);
    if (payload.iat !== undefined && payload.iat > nowSeconds + skew) throw new InvalidAssertionError('issued in the future');
    const start = payload.iat ?? payload.nbf ?? nowSeconds;
    if (exp - start > settings.maxAssertionLifetimeSeconds) throw new InvalidAssertionError('lifetime too long');
    if (payload.jti !== undefined && (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256)) throw new InvalidAssertionError('bad jti');
    return payload.jti !== undefined ? { jti: payload.jti, exp } : { exp };
  } catch (error) {
    if (error instanceof InvalidAssertionError || error instanceof KeysUnavailableError) throw error;
    if (error instanceof errors.JWKSTimeout) throw new KeysUnavailableError('JWKS request timed out');
    if (error instanceof errors.JOSEError) throw new InvalidAssertionError(error.code);
    if (error instanceof TypeError) throw new InvalidAssertionError('malformed');
    throw error;
  }
}
