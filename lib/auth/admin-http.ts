// The admin HTTP API over TenantAdmin (the same calls as the CLI), for the console and automation. The functions are
// registered with authLevel 'admin', which lib/http/register.ts turns into two entries behind adminGate: manage/* for
// operators (Entra ID sign-in in Azure) and automation/* for scripts (a named function key); lib/auth/admin-access.ts
// decides who gets in. Responses are plain JSON, never cached; the one-line log per request names who called (the
// operator or the key kind), never a token or a body.
// Routes live under `manage/tenants`: the Functions host refuses any function route that starts with "admin".
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { AdminAccessError, adminAccessFromEnv, checkAdminAccess, type AdminEntry, type AdminIdentity } from './admin-access.js';
import { TRANSPORT_SECURITY } from '../http/transport-security.js';
import { ScimError } from '../scim/errors.js';
import { getServices } from '../services.js';
import { AdminError, TenantAdmin } from '../tenants/tenant-admin.js';

export const ADMIN_ROUTE = 'manage/tenants';
/** The operators' routes start with this; their automation twins with AUTOMATION_PREFIX instead. */
export const MANAGE_PREFIX = 'manage/';
export const AUTOMATION_PREFIX = 'automation/';

/** `manage/tenants/{tenantId}` -> `automation/tenants/{tenantId}`. */
export function automationRoute(route: string): string {
  if (!route.startsWith(MANAGE_PREFIX)) throw new Error(`Admin routes live under ${MANAGE_PREFIX} (got "${route}")`);
  return AUTOMATION_PREFIX + route.slice(MANAGE_PREFIX.length);
}

const identities = new WeakMap<HttpRequest, AdminIdentity>();

/** Lets the request reach `handler` only when checkAdminAccess allows it; answers 401/403/415 otherwise (logged). */
export function adminGate(entry: AdminEntry, handler: HttpHandler): HttpHandler {
  return async (request, invocation) => {
    try {
      identities.set(request, checkAdminAccess(request, entry, adminAccessFromEnv()));
    } catch (error) {
      if (!(error instanceof AdminAccessError)) throw error;
      invocation.log(JSON.stringify({ event: 'admin.denied', invocationId: invocation.invocationId, entry, method: request.method, status: error.status }));
      const headers: Record<string, string> = { ...HEADERS };
      if (error.status === 401) headers['WWW-Authenticate'] = entry === 'automation' ? 'Key realm="scim-admin"' : 'Bearer realm="scim-admin"';
      return { status: error.status, headers, body: JSON.stringify({ error: error.message }) };
    }
    return handler(request, invocation);
  };
}

const MAX_BODY_BYTES = 16 * 1024;

const HEADERS: Record<string, string> = {
  ...TRANSPORT_SECURITY,
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export interface AdminResult {
  status: number;
  body: unknown;
}

export type AdminAction = (admin: TenantAdmin, request: HttpRequest) => Promise<AdminResult>;

export function adminHandler(action: string, run: AdminAction): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    let result: AdminResult;
    let cause: unknown;
    try {
      const services = await getServices();
      result = await run(new TenantAdmin(services.tenants, services.activity.store, services.oauth), request);
    } catch (error) {
      cause = error;
      result = failure(error);
    }
    const line = {
      event: 'admin.tenants',
      invocationId: invocation.invocationId,
      action,
      tenantId: request.params.tenantId ?? tenantIdOf(result.body),
      status: result.status,
      latencyMs: Math.round(performance.now() - started),
      via: identities.get(request)?.via,
      operator: identities.get(request)?.operator,
    };
    if (result.status >= 500) invocation.error(JSON.stringify({ ...line, error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) }));
    else invocation.log(JSON.stringify(line));
    const response: HttpResponseInit = { status: result.status, headers: { ...HEADERS } };
    if (result.status === 503) (response.headers as Record<string, string>)['Retry-After'] = '5';
    if (result.body !== undefined) response.body = JSON.stringify(result.body);
    return response;
  };
}

function failure(error: unknown): AdminResult {
  if (error instanceof AdminError) return { status: error.status, body: { error: error.message } };
  if (error instanceof ScimError && error.status === 503) return { status: 503, body: { error: 'Storage is temporarily unavailable; retry later.' } };
  return { status: 500, body: { error: 'An internal error occurred.' } };
}

function tenantIdOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'tenantId' in body ? String((body as { tenantId: unknown }).tenantId) : undefined;
}

/** The route's {tenantId}. */
export function tenantParam(request: HttpRequest): string {
  return request.params.tenantId ?? '';
}

/**
 * The JSON object body, limited to `allowed` fields (a typo is an error, not silently ignored). An empty body is {}.
 */
export async function readAdminBody(request: HttpRequest, allowed: string[]): Promise<Record<string, unknown>> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null && contentType.split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw new AdminError(415, 'Content-Type must be application/json.');
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw new AdminError(400, `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (bytes.length === 0) return {};
  // A body without a type is what a no-cors cross-site fetch can send; adminGate usually refuses it already.
  if (contentType === null) throw new AdminError(415, 'Content-Type must be application/json.');
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AdminError(400, 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminError(400, 'The body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new AdminError(400, `Unknown field(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`);
  return body as Record<string, unknown>;
}

/** A body field that must be a string when present. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AdminError(400, `${name} must be a string.`);
  return value;
}

/** A body field that must be a string or null when present. */
export function nullableStringField(body: Record<string, unknown>, name: string): string | null | undefined {
  return body[name] === null ? null : stringField(body, name);
}

/** A body field that must be a number (or null, when allowed) when present. */
export function numberField(body: Record<string, unknown>, name: string): number | undefined;
export function numberField(body: Record<string, unknown>, name: string, nullable: true): number | null | undefined;
export function numberField(body: Record<string, unknown>, name: string, nullable = false): number | null | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'number') throw new AdminError(400, `${name} must be a number${nullable ? ' or null' : ''}.`);
  return value;
}
