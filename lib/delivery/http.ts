// The HTTP side of manage/subscriptions, through the HTTP edge (lib/http/edge.ts): SCIM error bodies for bad input
// (never a stack trace), 503 when storage is unreachable, one log line per request without the body (a create's
// response holds the signing secret).
import type { HttpHandler } from '@azure/functions';
import { adminIdentityFields } from '../auth/admin-http.js';
import { serve, type RequestContext } from '../http/edge.js';
import { asBuffer } from '../http/request-body.js';
import { jsonResponse } from '../http/responses.js';
import { ScimError } from '../scim/errors.js';
import type { SubscriptionAdmin } from './admin.js';
import { getDeliveryServices, type DeliveryServices } from './services.js';

export const SUBSCRIPTIONS_ROUTE = 'manage/subscriptions';
export const MAX_BODY_BYTES = 16 * 1024;

export type SubscriptionAction = (admin: SubscriptionAdmin, ctx: RequestContext<DeliveryServices>) => Promise<{ status: number; body?: unknown }>;

export function subscriptionsHandler(action: string, run: SubscriptionAction): HttpHandler {
  return serve(
    {
      event: 'admin.subscriptions',
      services: getDeliveryServices,
      fields: (request) => ({ action, subscriptionId: request.params.subscriptionId, ...adminIdentityFields(request) }),
    },
    async (ctx) => {
      const result = await run(ctx.services.admin, ctx);
      return jsonResponse(result.status, result.body);
    },
  );
}

/** The JSON body: application/json, at most MAX_BODY_BYTES (400 above: nothing is read further or stored). */
export async function readBody({ request, body }: Pick<RequestContext<unknown>, 'request' | 'body'>): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null && !/^application\/(scim\+)?json$/i.test(contentType.split(';')[0].trim())) {
    throw new ScimError(400, 'invalidSyntax', 'Content-Type must be application/json.');
  }
  if (Number(request.headers.get('content-length') ?? '0') > MAX_BODY_BYTES) throw new ScimError(400, 'invalidValue', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  const bytes = asBuffer(await body.read());
  if (bytes.length > MAX_BODY_BYTES) throw new ScimError(400, 'invalidValue', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (bytes.length === 0) throw new ScimError(400, 'invalidSyntax', 'The body is empty; a JSON object is required.');
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'The body is not valid JSON.');
  }
}
