// Wraps a SCIM function: authenticates the tenant, runs the verb, turns every failure into a SCIM error response,
// and writes one structured log line per request (no tokens, no bodies), and queues the tenant's activity entry.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { captureRequestBody, recordActivity } from '../activity/record.js';
import { authenticate, chargeStorageCalls } from '../auth/authenticate.js';
import { ScimError } from '../scim/errors.js';
import { ConcurrencyError } from '../store/repository.js';
import { withRequestMetrics } from '../store/metrics.js';
import { getServices, type Services } from '../services.js';
import { baseUrlOf } from './request.js';
import { errorResponse } from './responses.js';

export interface ScimContext {
  request: HttpRequest;
  invocation: InvocationContext;
  services: Services;
  tenant: string;
  /** `https://host/scim/v2`, for meta.location and $ref values. */
  baseUrl: string;
}

export type ScimVerb = (ctx: ScimContext) => Promise<HttpResponseInit>;

export function scimHandler(resourceType: string, verb: ScimVerb): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    const startedAt = Date.now();
    const requestBody = captureRequestBody(request);
    let tenant: string | undefined;
    let cause: unknown;
    const { result: response, metrics } = await withRequestMetrics(async () => {
      try {
        const services = await getServices();
        tenant = await authenticate(request);
        return await verb({ request, invocation, services, tenant, baseUrl: baseUrlOf(request) });
      } catch (error) {
        cause = error;
        return errorResponse(asScimError(error));
      }
    });
    chargeStorageCalls(request, metrics.storageCalls);
    const status = response.status ?? 200;
    const line = {
      event: 'scim.request',
      invocationId: invocation.invocationId,
      tenant,
      method: request.method,
      resourceType,
      resourceId: request.params.id,
      status,
      latencyMs: Math.round(performance.now() - started),
      storageCalls: metrics.storageCalls,
    };
    if (status >= 500) invocation.error(JSON.stringify({ ...line, error: describeCause(cause) }));
    else invocation.log(JSON.stringify(line));
    if (tenant !== undefined) {
      const body = typeof response.body === 'string' ? response.body : undefined;
      recordActivity({ tenant, method: request.method, resourceType, resourceId: request.params.id, status, latencyMs: line.latencyMs, startedAt, url: request.url, requestBody: requestBody(), responseBody: body });
    }
    return response;
  };
}

function asScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof ConcurrencyError) {
    return new ScimError(409, undefined, 'The resource is being changed concurrently; retry the request.');
  }
  return new ScimError(500, undefined, 'An internal error occurred.');
}

/** The failure as it goes to the log: a ScimError's status and detail, plus the error that caused it (storage etc.). */
function describeCause(error: unknown, depth = 0): string {
  const cause = error instanceof Error && error.cause !== undefined && depth < 3 ? `\ncaused by: ${describeCause(error.cause, depth + 1)}` : '';
  if (error instanceof ScimError) return `${error.status} ${error.detail}${cause}`;
  if (error instanceof Error) {
    const code = 'code' in error && error.code !== undefined ? `[${String(error.code)}] ` : '';
    return `${code}${error.stack ?? `${error.name}: ${error.message}`}${cause}`;
  }
  return String(error);
}
