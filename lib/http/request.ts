// Reading SCIM requests: JSON bodies (content type and size checked), query parameters, conditional headers.
import type { HttpRequest } from '@azure/functions';
import { badRequest, ScimError } from '../scim/errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../scim/json-depth.js';
import { asBuffer, type RequestBody } from './request-body.js';
import { ROUTE_PREFIX } from './routes.js';

const JSON_TYPES = new Set(['application/scim+json', 'application/json']);

/** Parses the JSON body of a POST/PUT/PATCH: 415 for other content types, 413 above maxBytes, 400 for bad JSON. */
export async function readJsonBody(request: HttpRequest, body: RequestBody, maxBytes: number): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    if (!JSON_TYPES.has(mediaType)) {
      throw new ScimError(415, undefined, `Content-Type must be application/scim+json or application/json (got "${mediaType}").`);
    }
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = asBuffer(await body.read());
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  if (bytes.length === 0) throw badRequest('invalidSyntax', 'The request body is empty; a JSON object is required.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    // Only that it is not JSON: the parser's message quotes the body, and the detail reaches the activity log.
    throw badRequest('invalidSyntax', 'The request body is not valid JSON.');
  }
  if (jsonDepthExceeds(parsed, MAX_JSON_DEPTH)) {
    throw badRequest('invalidSyntax', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return parsed;
}

function tooLarge(maxBytes: number): ScimError {
  return new ScimError(413, undefined, `The request body exceeds the limit of ${maxBytes} bytes.`);
}

/** Query parameters by name, case-insensitively (clients send `startindex`, `StartIndex`, ...). */
export function queryParams(request: HttpRequest): (name: string) => string | null {
  const byLowerName = new Map<string, string>();
  for (const [k, v] of request.query) if (!byLowerName.has(k.toLowerCase())) byLowerName.set(k.toLowerCase(), v);
  return (name) => byLowerName.get(name.toLowerCase()) ?? null;
}

/** A comma-separated attribute list parameter (`attributes`, `excludedAttributes`). */
export function attributeList(value: string | null | undefined): string[] | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export interface Conditions {
  ifMatch?: string[];
  ifNoneMatch?: string[];
}

function entityTags(value: string | null): string[] | undefined {
  if (value === null || value.trim() === '') return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function conditions(request: HttpRequest): Conditions {
  return { ifMatch: entityTags(request.headers.get('if-match')), ifNoneMatch: entityTags(request.headers.get('if-none-match')) };
}

/** The service base URL (`https://host/scim/v2`) from the request URL, for meta.location and $ref. */
export function baseUrlOf(request: HttpRequest): string {
  const url = new URL(request.url);
  const prefix = `/${ROUTE_PREFIX}`;
  const marker = url.pathname.toLowerCase().indexOf(prefix);
  const path = marker >= 0 ? url.pathname.slice(0, marker + prefix.length) : '';
  return `${url.origin}${path}`;
}
