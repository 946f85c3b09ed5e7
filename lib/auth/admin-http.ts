// The admin HTTP API over TenantAdmin (the same calls as the CLI), for the console and automation. The functions are
// registered with authLevel 'admin', which lib/http/register.ts turns into two entries behind adminGate: manage/* for
// operators (Entra ID sign-in in Azure) and automation/* for scripts (a named function key); lib/auth/admin-access.ts
// decides who gets in. Responses are plain JSON, never cached; failures are SCIM error bodies, mapped at the HTTP edge
// (lib/http/edge.ts) as for SCIM routes; the one-line log per request names who called (the operator or the key
// kind), never a token or a body.
// Routes live under `manage/tenants`: the Functions host refuses any function route that starts with "admin".
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { AdminAccessError, adminAccessFromEnv, checkAdminAccess, type AdminEntry, type AdminIdentity } from './admin-access.js';
import { serve, type RequestContext } from '../http/edge.js';
import { asBuffer } from '../http/request-body.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import { badRequest, ScimError } from '../scim/errors.js';
import { getServices, type Services } from '../services.js';
import { TenantAdmin } from '../tenants/tenant-admin.js';

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
      const headers: Record<string, string> = {};
      if (error.status === 401) headers['WWW-Authenticate'] = entry === 'automation' ? 'Key realm="scim-admin"' : 'Bearer realm="scim-admin"';
      return errorResponse(new ScimError(error.status, undefined, error.message, headers));
    }
    return handler(request, invocation);
  };
}

/** Who passed the gate, for an admin request's log line: the operator or the key kind (never a token). */
export function adminIdentityFields(request: HttpRequest): Record<string, unknown> {
  const identity = identities.get(request);
  return { via: identity?.via, operator: identity?.operator };
}

const MAX_BODY_BYTES = 16 * 1024;

export interface AdminResult {
  status: number;
  body: unknown;
}

export interface AdminContext extends RequestContext<Services> {
  /** The tenant actions (lib/tenants/), over this process's services. */
  admin: TenantAdmin;
}

export type AdminAction = (ctx: AdminContext) => Promise<AdminResult>;

/** An admin function's handler: the HTTP edge (lib/http/edge.ts: services, body, SCIM error bodies, the log line). */
export function adminHandler(action: string, run: AdminAction): HttpHandler {
  return serve(
    { event: 'admin.tenants', services: getServices, fields: (request) => ({ action, tenantId: request.params.tenantId, ...adminIdentityFields(request) }) },
    async (ctx) => {
      const result = await run({ ...ctx, admin: new TenantAdmin(ctx.services.tenants, ctx.services.activity.store, ctx.services.oauth) });
      // A create names its tenant only in the result.
      if (ctx.request.params.tenantId === undefined && tenantIdOf(result.body) !== undefined) ctx.log.tenantId = tenantIdOf(result.body);
      return jsonResponse(result.status, result.body);
    },
  );
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
export async function readAdminBody(ctx: Pick<RequestContext<unknown>, 'request' | 'body'>, allowed: string[]): Promise<Record<string, unknown>> {
  const contentType = ctx.request.headers.get('content-type');
  if (contentType !== null && contentType.split(';')[0].trim().toLowerCase() !== 'application/json') throw notJson();
  const bytes = asBuffer(await ctx.body.read());
  if (bytes.length > MAX_BODY_BYTES) throw badRequest('invalidValue', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (bytes.length === 0) return {};
  // A body without a type is what a no-cors cross-site fetch can send; adminGate usually refuses it already.
  if (contentType === null) throw notJson();
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRequest('invalidSyntax', 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('invalidSyntax', 'The body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest('invalidValue', `Unknown field(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`);
  return body as Record<string, unknown>;
}

const notJson = (): ScimError => new ScimError(415, undefined, 'Content-Type must be application/json.');

/** A body field that must be a string when present. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest('invalidValue', `${name} must be a string.`);
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
  if (typeof value !== 'number') throw badRequest('invalidValue', `${name} must be a number${nullable ? ' or null' : ''}.`);
  return value;
}
