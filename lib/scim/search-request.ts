// POST .search (RFC 7644 §3.4.3): the SearchRequest body carries the same parameters as a GET query.
import type { ValidateFunction } from 'ajv';
import { newAjv } from './ajv-loader.js';
import { badRequest } from './errors.js';
import type { Projection } from './projection.js';
import { listQueryFrom, type ListQuery } from './query.js';
import searchRequestSchema from './schemas/search-request.schema.json' with { type: 'json' };

// Compiled on first use: compiling costs tens of milliseconds, and loading the app should not pay it (cold start).
let validator: ValidateFunction | undefined;

export function parseSearchRequest(body: unknown): { query: ListQuery; projection: Projection } {
  const validate = (validator ??= newAjv({ strict: false }).compile(searchRequestSchema));
  if (!validate(body)) {
    const e = validate.errors?.[0];
    const where = e?.instancePath ? `"${e.instancePath.slice(1)}" ` : '';
    throw badRequest('invalidSyntax', `Invalid SearchRequest: ${where}${e?.message ?? 'is not valid'}.`);
  }
  const request = body as Record<string, unknown>;
  const query = listQueryFrom((name) => (request[name] === undefined ? null : String(request[name])));
  return {
    query,
    projection: { attributes: request.attributes as string[] | undefined, excludedAttributes: request.excludedAttributes as string[] | undefined },
  };
}
