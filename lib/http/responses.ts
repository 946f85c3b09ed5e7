// Every response the service sends is built here, so all functions answer alike: application/scim+json (SCIM) or
// application/json (admin API), no caching, no sniffing, SCIM error bodies for every failure.
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

const JSON_HEADERS: Record<string, string> = {
  ...TRANSPORT_SECURITY,
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** An admin API answer: plain JSON, never cached (its failures are SCIM error bodies, errorResponse). */
export function jsonResponse(status: number, body?: unknown): HttpResponseInit {
  const response: HttpResponseInit = { status, headers: { ...JSON_HEADERS } };
  if (body !== undefined) response.body = JSON.stringify(body);
  return response;
}
