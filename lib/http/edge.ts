// The one HTTP edge of the SCIM and admin routes: every request is served by serve(), which builds (once per process)
// and hands the handler its services and the request body, counts its storage calls, maps any failure to a SCIM error
// body (urn:ietf:params:scim:api:messages:2.0:Error, the same for SCIM and admin routes), writes the one log line per
// request (no tokens, no bodies) and queues the tenant's activity entry for SCIM routes. The OAuth token endpoint
// answers RFC 6749 errors and keeps its own edge (lib/auth/oauth/token-endpoint.ts).
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ActivityLog } from '../activity/activity-log.js';
import { recordActivity } from '../activity/record.js';
import { ScimError } from '../scim/errors.js';
import type { Services } from '../services.js';
import { ConcurrencyError } from '../store/repository.js';
import { withRequestMetrics } from '../store/metrics.js';
import { AdminError } from '../tenants/tenant-admin.js';
import { RequestBody } from './request-body.js';
import { errorResponse } from './responses.js';

export interface RequestContext<S = Services> {
  request: HttpRequest;
  invocation: InvocationContext;
  /** The process-wide services (lib/services.ts), built on the first request. */
  services: S;
  /** The body, read once when the handler first asks for it; the activity entry reuses those bytes. */
  body: RequestBody;
  /** This request's log-line fields the handler learns as it runs: the tenant it authenticated, an id it created. */
  log: Record<string, unknown>;
}

export interface EdgeRoute<S> {
  /** The log line's `event`: scim.request, admin.tenants, admin.events, admin.subscriptions. */
  event: string;
  /** Where the services come from (memoized there: built once per process). */
  services: () => Promise<S>;
  /** Log-line fields known from the request alone (action, resource type, route parameters). */
  fields?: (request: HttpRequest) => Record<string, unknown>;
  /** SCIM routes: the activity entry's resource type and log, the entry queued when the handler set `log.tenant`. */
  activity?: { resourceType: string; log: (services: S) => ActivityLog };
  /** Called with the request's storage-call count once it is answered (the SCIM request budget). */
  charged?: (request: HttpRequest, storageCalls: number) => void;
}

export function serve<S>(route: EdgeRoute<S>, handler: (ctx: RequestContext<S>) => Promise<HttpResponseInit>): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    const startedAt = Date.now();
    const body = new RequestBody(request);
    const log: Record<string, unknown> = {};
    let services: S | undefined;
    let cause: unknown;
    const { result: response, metrics } = await withRequestMetrics(async () => {
      try {
        services = await route.services();
        return await handler({ request, invocation, services, body, log });
      } catch (error) {
        cause = error;
        return errorResponse(toScimError(error));
      }
    });
    route.charged?.(request, metrics.storageCalls);
    const status = response.status ?? 200;
    const line = {
      event: route.event,
      invocationId: invocation.invocationId,
      ...route.fields?.(request),
      ...log,
      status,
      latencyMs: Math.round(performance.now() - started),
      storageCalls: metrics.storageCalls,
    };
    if (status >= 500) invocation.error(JSON.stringify({ ...line, error: describeCause(cause) }));
    else invocation.log(JSON.stringify(line));
    if (route.activity !== undefined && typeof log.tenant === 'string' && services !== undefined) {
      recordActivity(route.activity.log(services), {
        tenant: log.tenant,
        method: request.method,
        resourceType: route.activity.resourceType,
        resourceId: request.params.id,
        status,
        latencyMs: line.latencyMs,
        startedAt,
        url: request.url,
        requestBody: body.received,
        responseBody: typeof response.body === 'string' ? response.body : undefined,
      });
    }
    return response;
  };
}

/** Every failure as the client sees it: the SCIM error it is, or the one it stands for; never a stack trace. */
export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof AdminError) return new ScimError(error.status, error.status === 400 ? 'invalidValue' : undefined, error.message);
  if (error instanceof ConcurrencyError) {
    return new ScimError(409, undefined, 'The resource is being changed concurrently; retry the request.');
  }
  if (isTransientStorageFailure(error)) {
    const unavailable = new ScimError(503, undefined, 'The storage service is temporarily unavailable; retry later.', { 'Retry-After': '5' });
    unavailable.cause = error; // for the log line only
    return unavailable;
  }
  return new ScimError(500, undefined, 'An internal error occurred.');
}

/** A storage SDK failure that a retry may cure (the SCIM store converts its own; this catches the other tables'). */
function isTransientStorageFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Error).name === 'AbortError') return true;
  if (!('statusCode' in error)) return false;
  const status = (error as { statusCode?: number }).statusCode;
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

/** The failure as it goes to the log: a ScimError's status and detail, plus the error that caused it (storage etc.). */
export function describeCause(error: unknown, depth = 0): string {
  const cause = error instanceof Error && error.cause !== undefined && depth < 3 ? `\ncaused by: ${describeCause(error.cause, depth + 1)}` : '';
  if (error instanceof ScimError) return `${error.status} ${error.detail}${cause}`;
  if (error instanceof Error) {
    const code = 'code' in error && error.code !== undefined ? `[${String(error.code)}] ` : '';
    return `${code}${error.stack ?? `${error.name}: ${error.message}`}${cause}`;
  }
  return String(error);
}
