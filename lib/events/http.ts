// The HTTP side of the events API: admin-level functions (the host checks the master key) answering JSON, and SCIM
// error bodies (urn:ietf:params:scim:api:messages:2.0:Error) for every failure, never a stack trace.
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { errorResponse } from '../http/responses.js';
import { ScimError } from '../scim/errors.js';
import { getServices } from '../services.js';
import { EventsAdmin } from './admin.js';

const HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function eventsHandler(action: string, run: (admin: EventsAdmin, request: HttpRequest) => Promise<unknown>): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    let response: HttpResponseInit;
    let cause: unknown;
    try {
      const services = await getServices();
      const body = await run(new EventsAdmin(services.events, services.tenants), request);
      response = { status: 200, headers: { ...HEADERS }, body: JSON.stringify(body) };
    } catch (error) {
      cause = error;
      response = errorResponse(error instanceof ScimError ? error : new ScimError(500, undefined, 'An internal error occurred.'));
    }
    const status = response.status ?? 200;
    const line = { event: 'admin.events', invocationId: invocation.invocationId, action, tenantId: request.params.tenantId ?? request.query.get('tenant') ?? undefined, status, latencyMs: Math.round(performance.now() - started) };
    if (status >= 500) invocation.error(JSON.stringify({ ...line, error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) }));
    else invocation.log(JSON.stringify(line));
    return response;
  };
}
