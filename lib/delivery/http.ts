// The HTTP side of manage/subscriptions: SCIM error bodies for bad input (never a stack trace), 503 when storage is
// unreachable, one log line per request without the body (a create's response holds the signing secret).
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { ScimError } from '../scim/errors.js';
import { errorResponse } from '../http/responses.js';
import type { SubscriptionAdmin } from './admin.js';
import { getDeliveryServices } from './services.js';

export const SUBSCRIPTIONS_ROUTE = 'manage/subscriptions';
export const MAX_BODY_BYTES = 16 * 1024;

const HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export type SubscriptionAction = (admin: SubscriptionAdmin, request: HttpRequest) => Promise<{ status: number; body?: unknown }>;

function asScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  const status = typeof error === 'object' && error !== null && 'statusCode' in error ? (error as { statusCode?: number }).statusCode : undefined;
  if (status === undefined || status >= 500 || status === 408 || status === 429 || (error as Error).name === 'AbortError') {
    return new ScimError(503, undefined, 'The storage service is temporarily unavailable; retry later.', { 'Retry-After': '5' });
  }
  return new ScimError(500, undefined, 'An internal error occurred.');
}

export function subscriptionsHandler(action: string, run: SubscriptionAction): HttpHandler {
  return async (request, invocation) => {
    const started = performance.now();
    let status: number;
    let response;
    let cause: unknown;
    try {
      const result = await run((await getDeliveryServices()).admin, request);
      status = result.status;
      response = { status, headers: { ...HEADERS }, ...(result.body !== undefined ? { body: JSON.stringify(result.body) } : {}) };
    } catch (error) {
      cause = error;
      const scim = asScimError(error);
      status = scim.status;
      response = errorResponse(scim);
    }
    const line = { event: 'admin.subscriptions', invocationId: invocation.invocationId, action, subscriptionId: request.params.subscriptionId, status, latencyMs: Math.round(performance.now() - started) };
    if (status >= 500) invocation.error(JSON.stringify({ ...line, error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) }));
    else invocation.log(JSON.stringify(line));
    return response;
  };
}

/** The JSON body: application/json, at most MAX_BODY_BYTES (400 above: nothing is read further or stored). */
export async function readBody(request: HttpRequest): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null && !/^application\/(scim\+)?json$/i.test(contentType.split(';')[0].trim())) {
    throw new ScimError(400, 'invalidSyntax', 'Content-Type must be application/json.');
  }
  if (Number(request.headers.get('content-length') ?? '0') > MAX_BODY_BYTES) throw new ScimError(400, 'invalidValue', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw new ScimError(400, 'invalidValue', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (bytes.length === 0) throw new ScimError(400, 'invalidSyntax', 'The body is empty; a JSON object is required.');
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'The body is not valid JSON.');
  }
}
