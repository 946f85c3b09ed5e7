// The pull API behind manage/events and manage/tenants/{tenantId}/events: query parameters checked (anything
// malformed is a 400, never "show everything"), the tenant checked (404 when unknown), pages read from feed.ts.
import { configuredToken } from '../auth/authenticate.js';
import { badRequest, notFound } from '../scim/errors.js';
import { DEFAULT_TENANT, isTenantId, type TenantStore } from '../store/tenant-store.js';
import type { ChangeEvent } from './event.js';
import { CursorAheadError, MAX_LIMIT, type EventFeed } from './feed.js';
import { formatCursor, NO_EPOCH, parseCursor, type Cursor } from './keys.js';

export const DEFAULT_LIMIT = 100;
/** A cursor of the all-tenants feed carries one position per tenant with events; this bounds what we accept. */
const MAX_CURSOR_CHARS = 64 * 1024;
const ALL_PREFIX = 'all.';

export interface EventsPage {
  events: ChangeEvent[];
  next: string;
}

export class EventsAdmin {
  constructor(
    private readonly feed: EventFeed,
    private readonly tenants: TenantStore,
  ) {}

  /** GET manage/tenants/{tenantId}/events?after=&limit= */
  async tenantPage(tenantId: string, query: URLSearchParams): Promise<EventsPage> {
    checkParams(query, ['after', 'limit']);
    const limit = limitParam(query);
    const tenant = await this.existing(parseTenantId(tenantId));
    return this.onePage(tenant, query.get('after'), limit);
  }

  /** GET manage/tenants/{tenantId}/events/recent?before=&limit=: the console's view, newest first. */
  async recentPage(tenantId: string, query: URLSearchParams): Promise<{ events: ChangeEvent[]; older?: string }> {
    checkParams(query, ['before', 'limit']);
    const limit = limitParam(query);
    const tenant = await this.existing(parseTenantId(tenantId));
    const raw = query.get('before');
    const before = raw ? parseCursor(raw) : undefined;
    if (raw && !before) throw badRequest('invalidCursor', 'before is not a cursor of this feed (pass back the "older" of an earlier page).');
    const page = await this.feed.recent(tenant, before, limit);
    return page.older ? { events: page.events, older: formatCursor(page.older) } : { events: page.events };
  }

  /** GET manage/events?after=&limit=[&tenant=]: one tenant's feed, or every tenant's. */
  async allPage(query: URLSearchParams): Promise<EventsPage> {
    checkParams(query, ['after', 'limit', 'tenant']);
    const limit = limitParam(query);
    const tenantParam = query.get('tenant');
    if (tenantParam !== null) return this.onePage(await this.existing(parseTenantId(tenantParam)), query.get('after'), limit);
    const after = query.get('after');
    const positions = after ? parseAllCursor(after) : {};
    const tenants = await this.allTenants();
    // Fairness: a page that filled up stopped at some tenant; the next page starts with the one after it.
    const start = positions['>'] ? Math.max(0, tenants.indexOf(String(positions['>'])) + 1) : 0;
    const order = [...tenants.slice(start), ...tenants.slice(0, start)];
    const events: ChangeEvent[] = [];
    const next: Record<string, string> = {};
    let stoppedAt: string | undefined;
    for (const tenant of order) {
      const position = positions[tenant];
      if (events.length >= limit) {
        if (position) next[tenant] = position;
        continue;
      }
      const page = await this.readPage(tenant, position ? parseCursor(position) : undefined, limit - events.length);
      events.push(...page.events);
      if (page.next.epoch !== NO_EPOCH) next[tenant] = formatCursor(page.next);
      if (events.length >= limit) stoppedAt = tenant;
    }
    if (stoppedAt) next['>'] = stoppedAt;
    return { events, next: ALL_PREFIX + Buffer.from(JSON.stringify(next)).toString('base64url') };
  }

  private async onePage(tenant: string, after: string | null, limit: number): Promise<EventsPage> {
    let cursor: Cursor | undefined;
    if (after !== null && after !== '') {
      cursor = parseCursor(after);
      if (!cursor) throw badRequest('invalidCursor', 'after is not a cursor of this feed (pass back the "next" of an earlier page, or leave it out to start from the oldest event).');
    }
    const page = await this.readPage(tenant, cursor, limit);
    return { events: page.events, next: formatCursor(page.next) };
  }

  private async readPage(tenant: string, after: Cursor | undefined, limit: number) {
    try {
      return await this.feed.page(tenant, after, limit);
    } catch (error) {
      if (error instanceof CursorAheadError) throw badRequest('invalidCursor', error.message);
      throw error;
    }
  }

  /** The default tenant (when SCIM_TOKEN is set) and every tenant row, in id order. */
  private async allTenants(): Promise<string[]> {
    const ids = (await this.tenants.listTenants()).map((t) => t.id).sort();
    return configuredToken() ? [DEFAULT_TENANT, ...ids] : ids;
  }

  private async existing(id: string): Promise<string> {
    if (id === DEFAULT_TENANT) {
      if (!configuredToken()) throw notFound('The default tenant is not configured (SCIM_TOKEN is not set).');
      return id;
    }
    if (!(await this.tenants.getTenant(id))) throw notFound(`Tenant ${id} not found.`);
    return id;
  }
}

function checkParams(query: URLSearchParams, allowed: string[]): void {
  // `code` is the Functions host's own key parameter (?code=<key>), already checked by the host.
  const unknown = [...new Set(query.keys())].filter((k) => !allowed.includes(k) && k !== 'code');
  if (unknown.length > 0) throw badRequest('invalidValue', `Unknown parameter(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`);
  for (const name of allowed) if (query.getAll(name).length > 1) throw badRequest('invalidValue', `${name} may be given once.`);
}

/** limit: default 100; a larger value than 1,000 is clamped; not a positive whole number → 400. */
function limitParam(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  if (!/^[0-9]{1,15}$/.test(raw.trim()) || Number(raw) < 1) throw badRequest('invalidValue', 'limit must be a whole number of at least 1 (larger than 1000 is treated as 1000).');
  return Math.min(Number(raw), MAX_LIMIT);
}

function parseTenantId(raw: string): string {
  const id = raw.trim().toLowerCase();
  if (!isTenantId(id)) throw badRequest('invalidValue', `Tenant ${JSON.stringify(raw.slice(0, 100))} is not a tenant id (a UUID, or "default").`);
  return id;
}

/** The all-tenants cursor: `all.` + base64url JSON of { <tenantId>: <tenant cursor>, ">": <tenant to start after> }. */
function parseAllCursor(text: string): Record<string, string> {
  const invalid = () => badRequest('invalidCursor', 'after is not a cursor of the all-tenants feed (pass back the "next" of an earlier page, or leave it out).');
  if (!text.startsWith(ALL_PREFIX) || text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]*$/.test(text.slice(ALL_PREFIX.length))) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text.slice(ALL_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalid();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(decoded)) {
    if (typeof value !== 'string') throw invalid();
    if (key === '>' ? !isTenantId(value) : !isTenantId(key) || !parseCursor(value)) throw invalid();
    out[key] = value;
  }
  return out;
}
