// POST <base>/oauth2/token: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for Entra's provisioning service.
// Client authentication by HTTP Basic or form fields (§2.3.1), or an RFC 7523 client assertion for a federated
// client. Responses per §5.1 / §5.2: JSON, `Cache-Control: no-store`; every client-authentication failure (unknown
// client, wrong secret, bad or replayed assertion, revoked client, deleted tenant) gets the SAME 401 invalid_client
// body, and the reason stays in the server log. Failed attempts are limited per client id and per address.
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { ScimError } from '../../scim/errors.js';
import { getServices } from '../../services.js';
import { withRequestMetrics } from '../../store/metrics.js';
import { AssertionReplayError, ClientGoneError, type OAuthClient, type OAuthScope, type OAuthStore } from '../../store/oauth-store.js';
import { isUuid, type TenantStore } from '../../store/tenant-store.js';
import { sameHash, tokenHash } from '../tokens.js';
import { newAccessToken } from './access-tokens.js';
import { InvalidAssertionError, KeysUnavailableError, verifyClientAssertion } from './assertion.js';
import { oauthSettingsFromEnv, type OAuthSettings } from './config.js';
import { clientAddress } from '../rate-limit.js';
import { FailureLimiter } from './failure-limiter.js';

export const TOKEN_ROUTE = 'oauth2/token';
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion of a few kilobytes plus the other fields fit many times over. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;
const SCOPES: readonly OAuthScope[] = ['scim', 'scim.read'];

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable' | 'server_error';

/** An RFC 6749 §5.2 error. `reason` is logged, never sent. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly reason: string = description,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${reason}`);
    this.name = 'OAuthError';
  }
}

/** The one answer to every failed client authentication. */
function invalidClient(reason: string): OAuthError {
  return new OAuthError(401, 'invalid_client', 'Client authentication failed.', reason, { 'WWW-Authenticate': 'Basic realm="scim", charset="UTF-8"' });
}

const invalidRequest = (description: string): OAuthError => new OAuthError(400, 'invalid_request', description);

const HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
};

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: OAuthScope;
}

interface ClientCredentials {
  clientId: string;
  secret?: string;
  assertion?: string;
}

const limiter = new FailureLimiter();

/** Forgets failed-attempt counts (tests). */
export function resetTokenFailureLimits(): void {
  limiter.clear();
}

export class TokenEndpoint {
  constructor(
    private readonly clients: OAuthStore,
    private readonly tenants: TenantStore,
    private readonly settings: OAuthSettings,
  ) {}

  /** Answers one token request; throws OAuthError for every refusal. `address` keys the per-address failure limit. */
  async handle(request: HttpRequest, address: string): Promise<{ token: IssuedToken; client: OAuthClient }> {
    const form = await readForm(request);
    const grantType = form.get('grant_type');
    if (grantType === undefined) throw invalidRequest('grant_type is required.');
    if (grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    const credentials = clientCredentials(request, form);
    const keys = [`client:${credentials.clientId}`, `address:${address}`];
    const limits = [this.settings.failuresPerClientPerMinute, this.settings.failuresPerAddressPerMinute];
    const wait = Math.max(...keys.map((key, i) => limiter.retryAfter(key, limits[i])));
    if (wait > 0) throw new OAuthError(429, 'temporarily_unavailable', 'Too many failed attempts; retry later.', 'failure limit reached', { 'Retry-After': String(wait) });
    let client: OAuthClient;
    let jti: { hash: string; expiresAt: string } | undefined;
    try {
      ({ client, jti } = await this.authenticateClient(credentials));
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_client') for (const key of keys) limiter.recordFailure(key);
      throw error;
    }
    const scope = grantedScope(form.get('scope'), client.scope);
    const accessToken = newAccessToken();
    const expiresAt = new Date(Date.now() + this.settings.tokenLifetimeSeconds * 1000).toISOString();
    try {
      await this.clients.issueToken({ hash: tokenHash(accessToken), tenantId: client.tenantId, clientId: client.clientId, scope, expiresAt }, jti);
    } catch (error) {
      if (error instanceof ClientGoneError) throw invalidClient('client deleted during issuance');
      if (error instanceof AssertionReplayError) {
        for (const key of keys) limiter.recordFailure(key);
        throw invalidClient('assertion replayed');
      }
      throw error;
    }
    return { token: { access_token: accessToken, token_type: 'Bearer', expires_in: this.settings.tokenLifetimeSeconds, scope }, client };
  }

  private async authenticateClient(credentials: ClientCredentials): Promise<{ client: OAuthClient; jti?: { hash: string; expiresAt: string } }> {
    const client = isUuid(credentials.clientId) ? await this.clients.getClient(credentials.clientId) : undefined;
    let jti: { hash: string; expiresAt: string } | undefined;
    if (credentials.secret !== undefined) {
      // Hash even for an unknown client, so timing does not tell which part was wrong.
      const presented = tokenHash(credentials.secret);
      if (!client?.secretHash || !sameHash(client.secretHash, presented)) throw invalidClient(client ? 'wrong secret (or a federated client)' : 'unknown client');
    } else {
      if (!client?.federation) throw invalidClient(client ? 'assertion for a secret client' : 'unknown client');
      try {
        const verified = await verifyClientAssertion(credentials.assertion ?? '', client.federation, this.settings);
        if (verified.jti !== undefined) {
          jti = { hash: tokenHash(verified.jti), expiresAt: new Date((verified.exp + this.settings.clockSkewSeconds) * 1000).toISOString() };
        }
      } catch (error) {
        if (error instanceof InvalidAssertionError) throw invalidClient(`assertion: ${error.reason}`);
        if (error instanceof KeysUnavailableError) {
          throw new OAuthError(503, 'temporarily_unavailable', 'The signing keys could not be fetched; retry later.', error.message, { 'Retry-After': '10' });
        }
        throw error;
      }
    }
    const tenant = await this.tenants.getTenant(client.tenantId);
    if (!tenant || tenant.status === 'deleting') throw invalidClient('tenant gone');
    return jti ? { client, jti } : { client };
  }
}

/** The form body: application/x-www-form-urlencoded, bounded, each parameter at most once (§3.2); empty = absent. */
async function readForm(request: HttpRequest): Promise<Map<string, string>> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') throw invalidRequest('Content-Type must be application/x-www-form-urlencoded.');
  const tooLarge = new OAuthError(413, 'invalid_request', `The request body exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes.`);
  if (Number(request.headers.get('content-length') ?? '0') > MAX_TOKEN_REQUEST_BYTES) throw tooLarge;
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_TOKEN_REQUEST_BYTES) throw tooLarge;
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) {
    if (form.has(name)) throw invalidRequest(`The parameter ${name} is repeated.`);
    form.set(name, value);
  }
  for (const [name, value] of form) if (value === '') form.delete(name);
  return form;
}

/** Which client authentication the request uses; exactly one method is allowed (§2.3). */
function clientCredentials(request: HttpRequest, form: Map<string, string>): ClientCredentials {
  const header = request.headers.get('authorization');
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (assertionType !== undefined || assertion !== undefined) {
    if (header !== null || formSecret !== undefined) throw invalidRequest('Use exactly one client authentication method.');
    if (assertionType !== JWT_BEARER_ASSERTION) throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
    if (assertion === undefined) throw invalidRequest('client_assertion is required with client_assertion_type.');
    if (formId === undefined) throw invalidRequest('client_id is required with a client assertion.');
    return { clientId: formId, assertion };
  }
  if (header !== null) {
    if (formSecret !== undefined) throw invalidRequest('Use exactly one client authentication method.');
    const basic = parseBasic(header);
    if (!basic) throw invalidClient('malformed Authorization header');
    if (formId !== undefined && formId !== basic.clientId) throw invalidRequest('client_id does not match the Authorization header.');
    return basic;
  }
  if (formId === undefined || formSecret === undefined) throw invalidClient('no client authentication');
  return { clientId: formId, secret: formSecret };
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function parseBasic(header: string): { clientId: string; secret: string } | undefined {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    return clientId !== '' && secret !== '' ? { clientId, secret } : undefined;
  } catch {
    return undefined;
  }
}

/** The scope granted: the requested one(s) if the client may have them (absent: the client's own). */
function grantedScope(requested: string | undefined, allowed: OAuthScope): OAuthScope {
  if (requested === undefined) return allowed;
  const asked = requested.split(' ').filter((s) => s !== '');
  if (asked.length === 0 || asked.some((s) => !SCOPES.includes(s as OAuthScope))) throw new OAuthError(400, 'invalid_scope', 'The scope must be "scim" or "scim.read".');
  const wantsWrite = asked.includes('scim');
  if (wantsWrite && allowed !== 'scim') throw new OAuthError(400, 'invalid_scope', 'This client may only obtain scope "scim.read".');
  return wantsWrite ? 'scim' : 'scim.read';
}

function respond(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) };
}

function asOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof ScimError && error.status === 503) {
    return new OAuthError(503, 'temporarily_unavailable', 'Storage is temporarily unavailable; retry later.', error.detail, { 'Retry-After': '5' });
  }
  return new OAuthError(500, 'server_error', 'An internal error occurred.', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** The HTTP handler of functions/oauth2-token.ts; one log line per request (no secrets, no tokens). */
export function tokenHandler(): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    const address = clientAddress(request.headers.get('x-forwarded-for'));
    const { result, metrics } = await withRequestMetrics(async () => {
      try {
        const services = await getServices();
        const issued = await new TokenEndpoint(services.oauth, services.tenants, oauthSettingsFromEnv()).handle(request, address);
        return { response: respond(200, issued.token), client: issued.client, failure: undefined };
      } catch (error) {
        const failure = asOAuthError(error);
        return { response: respond(failure.status, { error: failure.code, error_description: failure.description }, failure.headers), client: undefined, failure };
      }
    });
    const line = {
      event: 'oauth.token',
      invocationId: invocation.invocationId,
      tenant: result.client?.tenantId,
      clientId: result.client?.clientId,
      status: result.response.status,
      error: result.failure?.code,
      reason: result.failure?.reason,
      latencyMs: Math.round(performance.now() - started),
      storageCalls: metrics.storageCalls,
    };
    if ((result.response.status ?? 200) >= 500) invocation.error(JSON.stringify(line));
    else invocation.log(JSON.stringify(line));
    return result.response;
  };
}
