// Every response the service sends is built here, so all functions answer alike: application/scim+json,
// no caching, no sniffing, SCIM error bodies.
import type { HttpResponseInit } from '@azure/functions';
import { ScimError } from '../scim/errors.js';
import { TRANSPORT_SECURITY } from './transport-security.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

const SECURITY_HEADERS: Record<string, string> = {
  ...TRANSPORT_SECURITY,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export function scimResponse(status: number, body?: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  if (body === undefined) return { status, headers: { ...SECURITY_HEADERS, ...headers } };
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': SCIM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: ScimError): HttpResponseInit {
  return scimResponse(error.status, error.toJSON(), error.headers);
}
