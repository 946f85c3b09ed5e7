// The HTTP side of the events API: admin-level functions answering JSON through the HTTP edge (lib/http/edge.ts),
// which maps every failure to a SCIM error body (urn:ietf:params:scim:api:messages:2.0:Error), never a stack trace.
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { adminIdentityFields } from '../auth/admin-http.js';
import { serve } from '../http/edge.js';
import { jsonResponse } from '../http/responses.js';
import { getServices } from '../services.js';
import { EventsAdmin } from './admin.js';

export function eventsHandler(action: string, run: (admin: EventsAdmin, request: HttpRequest) => Promise<unknown>): HttpHandler {
  return serve(
    {
      event: 'admin.events',
      services: getServices,
      fields: (request) => ({ action, tenantId: request.params.tenantId ?? request.query.get('tenant') ?? undefined, ...adminIdentityFields(request) }),
    },
    async ({ request, services }) => jsonResponse(200, await run(new EventsAdmin(services.events, services.tenants), request)),
  );
}
