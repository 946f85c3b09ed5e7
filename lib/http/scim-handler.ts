// A SCIM function's handler: the HTTP edge (edge.ts: services, body, error mapping, the log line, activity) around
// authentication of the tenant and the verb.
import type { HttpHandler, HttpResponseInit } from '@azure/functions';
import { authenticate, chargeStorageCalls } from '../auth/authenticate.js';
import { getServices, type Services } from '../services.js';
import { serve, type RequestContext } from './edge.js';
import { baseUrlOf } from './request.js';

export interface ScimContext extends RequestContext<Services> {
  tenant: string;
  /** `https://host/scim/v2`, for meta.location and $ref values. */
  baseUrl: string;
}

export type ScimVerb = (ctx: ScimContext) => Promise<HttpResponseInit>;

export function scimHandler(resourceType: string, verb: ScimVerb): HttpHandler {
  return serve(
    {
      event: 'scim.request',
      services: getServices,
      fields: (request) => ({ method: request.method, resourceType, resourceId: request.params.id }),
      activity: { resourceType, log: (services) => services.activity },
      charged: chargeStorageCalls,
    },
    async (ctx) => {
      const tenant = await authenticate(ctx.request, ctx.services);
      ctx.log.tenant = tenant;
      return verb({ ...ctx, tenant, baseUrl: baseUrlOf(ctx.request) });
    },
  );
}
