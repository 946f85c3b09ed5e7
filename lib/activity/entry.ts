// One activity entry per SCIM request that reached a tenant: what the request was, who it was about and how it ended.
// Built from the request's metadata, plus names and the kind of change read from the request and response bodies —
// the bodies themselves (and any credential) are never kept.
import { toBoolean } from '../scim/attribute-types.js';
import { descriptorOf } from '../scim/resource-type.js';

export type Change = 'created' | 'updated' | 'disabled' | 'enabled' | 'deleted';
export type Outcome = 'success' | 'failure';

/** What the SCIM handler knows once a request is answered. */
export interface RequestOutcome {
  tenant: string;
  method: string;
  /** User, Group, ServiceProviderConfig, ResourceType, Schema. */
  resourceType: string;
  resourceId?: string;
  status: number;
  latencyMs: number;
  /** When the request arrived (epoch ms). */
  startedAt: number;
  /** The request URL (its `filter` parameter is summarised, nothing else of it is kept). */
  url: string;
  /** The request body as read by the verb (POST/PUT/PATCH); only names and the active flag are taken from it. */
  requestBody?: Uint8Array;
  /** The response body text; only id, names, totalResults and error scimType/detail are taken from it. */
  responseBody?: string;
}

/** An entry as the admin API returns it. */
export interface ActivityEntry {
  /** The entry's key (unique within the tenant). */
  id: string;
  time: string;
  method: string;
  resourceType: string;
  resourceId?: string;
  /** userName (User) or displayName (Group), where known. */
  name?: string;
  status: number;
  outcome: Outcome;
  scimType?: string;
  detail?: string;
  latencyMs: number;
  change?: Change;
  /** A short description: the filter of a query, the operations of a PATCH (paths and counts, no values). */
  operation?: string;
  /** totalResults of a list or search. */
  results?: number;
}

/** The stored properties (PartitionKey = tenant, RowKey = entry id; see keys.ts): the entry without what derives from it. */
export type StoredEntry = Omit<ActivityEntry, 'id' | 'outcome'> & {
  /** name lower-cased, for the case-insensitive name filter. */
  nameKey?: string;
};

const MAX_PARSED_BODY = 256 * 1024;
const MAX_NAME = 256;
const MAX_DETAIL = 1000;
const MAX_OPERATION = 300;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A property of an object by case-insensitive name (SCIM attribute names are case-insensitive). */
function getCI(object: Json, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

function nameAttribute(resourceType: string): string {
  return descriptorOf(resourceType === 'Group' ? 'Group' : 'User').uniqueAttribute;
}

interface BodyFacts {
  name?: string;
  /** The active value the request sets, if it sets one. */
  active?: boolean;
  operation?: string;
}

/** Names, the active flag and a PATCH summary from a request body. */
function requestFacts(method: string, resourceType: string, bytes: Uint8Array | undefined): BodyFacts {
  if (!bytes || bytes.length === 0 || bytes.length > MAX_PARSED_BODY) return {};
  const body = parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  if (!isObject(body)) return {};
  const attribute = nameAttribute(resourceType);
  if (method === 'POST' || method === 'PUT') {
    const name = getCI(body, attribute);
    return { name: typeof name === 'string' ? name : undefined, active: toBoolean(getCI(body, 'active')) };
  }
  if (method !== 'PATCH') return {};
  const operations = getCI(body, 'Operations');
  if (!Array.isArray(operations)) return {};
  const facts: BodyFacts = {};
  const summary: string[] = [];
  for (const op of operations) {
    if (!isObject(op)) continue;
    const verb = String(getCI(op, 'op') ?? '?');
    const path = getCI(op, 'path');
    const value = getCI(op, 'value');
    const setting = /^(add|replace)$/i.test(verb);
    if (typeof path === 'string' && path.trim() !== '') {
      const bare = path.trim().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '');
      if (setting && /^active$/i.test(bare)) facts.active = toBoolean(value) ?? facts.active;
      if (setting && bare.toLowerCase() === attribute.toLowerCase() && typeof value === 'string') facts.name = value;
      summary.push(`${verb} ${clip(path.trim(), 80)}${Array.isArray(value) ? ` (${value.length})` : ''}`);
    } else if (isObject(value)) {
      if (setting) {
        const active = toBoolean(getCI(value, 'active'));
        if (active !== undefined) facts.active = active;
        const name = getCI(value, attribute);
        if (typeof name === 'string') facts.name = name;
      }
      summary.push(`${verb} ${clip(Object.keys(value).join(', '), 120)}`);
    } else {
      summary.push(verb);
    }
  }
  if (summary.length > 0) facts.operation = clip(summary.join('; '), MAX_OPERATION);
  return facts;
}

interface ResponseFacts {
  id?: string;
  name?: string;
  results?: number;
  scimType?: string;
  detail?: string;
}

function responseFacts(status: number, resourceType: string, text: string | undefined): ResponseFacts {
  if (!text) return {};
  if (status < 300) {
    // A list response can be large: its count is near the start, so read it without parsing the page.
    const total = /"totalResults"\s*:\s*(\d+)/.exec(text.slice(0, 400));
    if (total) return { results: Number(total[1]) };
    if (text.length > MAX_PARSED_BODY) return {};
    const body = parseJson(text);
    if (!isObject(body)) return {};
    const name = body[nameAttribute(resourceType)];
    return { id: typeof body.id === 'string' ? body.id : undefined, name: typeof name === 'string' ? name : undefined };
  }
  if (text.length > MAX_PARSED_BODY) return {};
  const body = parseJson(text);
  if (!isObject(body)) return {};
  return {
    scimType: typeof body.scimType === 'string' ? body.scimType : undefined,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
  };
}

/** `userName eq "x"` (or displayName) in a query: the name the client looked up. */
function filterFacts(url: string, resourceType: string): { name?: string; operation?: string } {
  let filter: string | null = null;
  let search = false;
  try {
    const parsed = new URL(url);
    search = parsed.pathname.endsWith('/.search');
    for (const [key, value] of parsed.searchParams) if (key.toLowerCase() === 'filter') filter = value;
  } catch {
    return {};
  }
  if (filter === null) return search ? { operation: 'search' } : {};
  const attribute = nameAttribute(resourceType);
  const m = /^\s*([A-Za-z:._0-9]+)\s+eq\s+"((?:[^"\\]|\\.)*)"/i.exec(filter);
  let name: string | undefined;
  if (m && m[1].toLowerCase().split(':').pop() === attribute.toLowerCase()) {
    const literal = parseJson(`"${m[2]}"`);
    name = typeof literal === 'string' ? literal : m[2];
  }
  return { name, operation: clip(`filter: ${filter}`, MAX_OPERATION) };
}

function changeOf(method: string, status: number, active: boolean | undefined): Change | undefined {
  if (status < 200 || status >= 300) return undefined;
  if (method === 'POST') return status === 201 ? 'created' : undefined;
  if (method === 'DELETE') return 'deleted';
  if (method === 'PUT') return active === false ? 'disabled' : 'updated';
  if (method === 'PATCH') return active === false ? 'disabled' : active === true ? 'enabled' : 'updated';
  return undefined;
}

/** The stored entry for a request. Never throws on odd input (bodies that are not JSON are simply not read). */
export function toStoredEntry(outcome: RequestOutcome): StoredEntry {
  const method = outcome.method.toUpperCase();
  const request = requestFacts(method, outcome.resourceType, outcome.requestBody);
  const response = responseFacts(outcome.status, outcome.resourceType, outcome.responseBody);
  const query = method === 'GET' || method === 'POST' ? filterFacts(outcome.url, outcome.resourceType) : {};
  const name = response.name ?? request.name ?? query.name;
  const entry: StoredEntry = {
    time: new Date(outcome.startedAt).toISOString(),
    method,
    resourceType: outcome.resourceType,
    status: outcome.status,
    latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
  };
  const resourceId = outcome.resourceId ?? response.id;
  if (resourceId) entry.resourceId = clip(resourceId, 100);
  if (name !== undefined && name !== '') {
    entry.name = clip(name, MAX_NAME);
    entry.nameKey = entry.name.toLowerCase();
  }
  if (response.scimType) entry.scimType = clip(response.scimType, 50);
  if (response.detail) entry.detail = clip(response.detail, MAX_DETAIL);
  const change = changeOf(method, outcome.status, request.active);
  if (change) entry.change = change;
  const operation = request.operation ?? query.operation;
  if (operation) entry.operation = operation;
  if (response.results !== undefined) entry.results = response.results;
  return entry;
}

/** An entry read back from storage. */
export function fromRow(row: Record<string, unknown>): ActivityEntry {
  const status = Number(row.status ?? 0);
  const entry: ActivityEntry = {
    id: String(row.rowKey ?? ''),
    time: String(row.time ?? ''),
    method: String(row.method ?? ''),
    resourceType: String(row.resourceType ?? ''),
    status,
    outcome: status >= 400 || status === 0 ? 'failure' : 'success',
    latencyMs: Number(row.latencyMs ?? 0),
  };
  for (const key of ['resourceId', 'name', 'scimType', 'detail', 'change', 'operation'] as const) {
    const value = row[key];
    if (typeof value === 'string' && value !== '') (entry as unknown as Record<string, unknown>)[key] = value;
  }
  if (typeof row.results === 'number') entry.results = row.results;
  return entry;
}
