// Resolves the tenant from the request's bearer credential (never from anything else the client can choose).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { ScimError } from '../scim/errors.js';

export const DEFAULT_TENANT = 'default';

export function unauthorized(detail: string): ScimError {
  return new ScimError(401, undefined, detail, { 'WWW-Authenticate': 'Bearer realm="scim", error="invalid_token"' });
}

export function bearerToken(request: HttpRequest): string {
  const header = request.headers.get('authorization');
  if (!header) throw new ScimError(401, undefined, 'Authorization header with a Bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="scim"' });
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
  return match[1];
}

/** SHA-256 of a token; comparing digests with timingSafeEqual keeps the comparison constant-time for any length. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(tokenDigest(a), tokenDigest(b));
}

/** The default tenant's token from configuration (SCIM_TOKEN), if any. */
export function configuredToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SCIM_TOKEN || undefined;
}

export async function authenticate(request: HttpRequest): Promise<string> {
  const token = bearerToken(request);
  const configured = configuredToken();
  if (configured !== undefined && sameToken(token, configured)) return DEFAULT_TENANT;
  throw unauthorized('The bearer token is not valid.');
}
