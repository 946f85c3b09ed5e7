// The operator calls behind the console's admin API: the tenants with this deployment's SCIM endpoint, one tenant's
// SCIM integration (endpoint, token dates), its activity (filtered, newest first, paged) and its last-sync summary.
// Tenant reads and token resets go through TenantAdmin, the same calls as the tenants CLI.
import { configuredToken } from '../auth/authenticate.js';
import { AdminError, TenantAdmin, type TenantView } from '../tenants/tenant-admin.js';
import type { Services } from '../services.js';
import { DEFAULT_TENANT, isTenantId } from '../store/tenant-store.js';
import { InvalidCursorError, type ActivityFilter, type ActivityPage } from './activity-store.js';
import type { ActivityLog } from './activity-log.js';
import { summarizeLastSync, type SyncSummary } from './summary.js';

export interface ConsoleTenant {
  tenantId: string;
  name: string;
  status: 'active' | 'suspended' | 'deleting';
  /** false for the built-in default tenant, whose token is the SCIM_TOKEN setting. */
  canResetToken: boolean;
}

export interface Integration extends ConsoleTenant {
  /** The Tenant URL to paste into Entra ID (Provisioning → Admin credentials). */
  scimEndpoint: string;
  /** When the tenant's tokens were issued (never the tokens). */
  tokens: { created: string; expiresAt?: string }[];
}

const DEFAULT_NAME = 'Default tenant (SCIM_TOKEN)';
const MAX_LIMIT = 200;
const MAX_RANGE_DAYS = 400;

export class ActivityAdmin {
  private readonly tenants: TenantAdmin;
  private readonly activity: ActivityLog;

  constructor(services: Pick<Services, 'tenants' | 'activity'>) {
    this.tenants = new TenantAdmin(services.tenants, services.activity.store);
    this.activity = services.activity;
  }

  /** Every tenant (the default one first when SCIM_TOKEN is set) and the deployment's SCIM endpoint. */
  async list(scimEndpoint: string): Promise<{ scimEndpoint: string; tenants: ConsoleTenant[] }> {
    const tenants: ConsoleTenant[] = (await this.tenants.list()).map(consoleTenant);
    if (configuredToken()) tenants.unshift({ tenantId: DEFAULT_TENANT, name: DEFAULT_NAME, status: 'active', canResetToken: false });
    return { scimEndpoint, tenants };
  }

  async integration(tenantId: string, scimEndpoint: string): Promise<Integration> {
    const id = checkTenantId(tenantId);
    if (id === DEFAULT_TENANT) return { ...defaultTenant(), scimEndpoint, tokens: [] };
    const details = await this.tenants.show(id);
    return { ...consoleTenant(details), scimEndpoint, tokens: details.tokens };
  }

  /** One page of the tenant's activity, newest first. Entries this instance still holds in memory are written first. */
  async page(tenantId: string, query: URLSearchParams): Promise<{ tenantId: string; filter: ActivityFilter } & ActivityPage> {
    const id = await this.existing(tenantId);
    const filter = parseFilter(query);
    const limit = intParam(query, 'limit', 50, 1, MAX_LIMIT);
    const cursor = query.get('cursor') || undefined;
    await this.activity.flush();
    try {
      return { tenantId: id, filter, ...(await this.activity.store.page(id, filter, limit, cursor)) };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new AdminError(400, error.message);
      throw error;
    }
  }

  /** The last sync: the newest run of activity (before `until`, if given) without a pause longer than gapMinutes. */
  async summary(tenantId: string, query: URLSearchParams): Promise<{ tenantId: string } & SyncSummary> {
    const id = await this.existing(tenantId);
    const gapMinutes = numberParam(query, 'gapMinutes', this.activity.config.syncGapMinutes, 0.1, 24 * 60);
    const until = timeParam(query, 'until');
    const since = timeParam(query, 'since');
    await this.activity.flush();
    const entries = this.activity.store.scan(id, { until, since }, ['method', 'resourceType', 'change', 'scimType', 'detail', 'name']);
    return { tenantId: id, ...(await summarizeLastSync(entries, { gapMinutes })) };
  }

  /** The tenant id, if the tenant exists (or is the configured default tenant); 404 otherwise. */
  private async existing(tenantId: string): Promise<string> {
    const id = checkTenantId(tenantId);
    if (id === DEFAULT_TENANT) {
      if (!configuredToken()) throw new AdminError(404, 'The default tenant is not configured (SCIM_TOKEN is not set).');
      return id;
    }
    await this.tenants.show(id);
    return id;
  }
}

function consoleTenant(view: TenantView): ConsoleTenant {
  return { tenantId: view.tenantId, name: view.name, status: view.status, canResetToken: true };
}

function defaultTenant(): ConsoleTenant {
  if (!configuredToken()) throw new AdminError(404, 'The default tenant is not configured (SCIM_TOKEN is not set).');
  return { tenantId: DEFAULT_TENANT, name: DEFAULT_NAME, status: 'active', canResetToken: false };
}

function checkTenantId(tenantId: string): string {
  const id = String(tenantId).trim().toLowerCase();
  if (!isTenantId(id)) throw new AdminError(404, `Tenant ${JSON.stringify(tenantId)} not found (tenant ids are UUIDs).`);
  return id;
}

const OUTCOMES = ['success', 'failure', '2xx', '3xx', '4xx', '5xx'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const RESOURCE_TYPES = ['User', 'Group', 'ServiceProviderConfig', 'ResourceType', 'Schema'];

/** The activity filters from query parameters; anything malformed is a 400 (a typo must not silently show everything). */
export function parseFilter(query: URLSearchParams): ActivityFilter {
  const known = new Set(['outcome', 'status', 'resourceType', 'method', 'since', 'until', 'name', 'resourceId', 'limit', 'cursor']);
  const unknown = [...query.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0) throw new AdminError(400, `Unknown parameter(s): ${unknown.join(', ')}. Allowed: ${[...known].join(', ')}.`);
  const filter: ActivityFilter = {};
  const outcome = query.get('outcome');
  if (outcome && outcome !== 'all') {
    const match = OUTCOMES.find((o) => o === outcome.toLowerCase());
    if (!match) throw new AdminError(400, `outcome must be one of all, ${OUTCOMES.join(', ')}.`);
    filter.outcome = match;
  }
  if (query.get('status')) filter.status = intParam(query, 'status', 0, 100, 599);
  const resourceType = query.get('resourceType');
  if (resourceType && resourceType !== 'all') {
    const match = RESOURCE_TYPES.find((t) => t.toLowerCase() === resourceType.toLowerCase());
    if (!match) throw new AdminError(400, `resourceType must be one of all, ${RESOURCE_TYPES.join(', ')}.`);
    filter.resourceType = match;
  }
  const method = query.get('method');
  if (method && method !== 'all') {
    if (!METHODS.includes(method.toUpperCase())) throw new AdminError(400, `method must be one of all, ${METHODS.join(', ')}.`);
    filter.method = method.toUpperCase();
  }
  const since = timeParam(query, 'since');
  const until = timeParam(query, 'until');
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (since !== undefined && until !== undefined && since > until) throw new AdminError(400, 'since must not be after until.');
  if (since !== undefined && (until ?? Date.now()) - since > MAX_RANGE_DAYS * 86_400_000) throw new AdminError(400, `The time range may span at most ${MAX_RANGE_DAYS} days.`);
  const name = query.get('name')?.trim();
  if (name) {
    if (name.length > 256) throw new AdminError(400, 'name is at most 256 characters.');
    filter.name = name;
  }
  const resourceId = query.get('resourceId')?.trim();
  if (resourceId) {
    if (resourceId.length > 100) throw new AdminError(400, 'resourceId is at most 100 characters.');
    filter.resourceId = resourceId;
  }
  return filter;
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new AdminError(400, `${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

function numberParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new AdminError(400, `${name} must be a number from ${min} to ${max}.`);
  return n;
}

/** An ISO 8601 time or epoch milliseconds. */
function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const ms = /^\d{1,15}$/.test(raw.trim()) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new AdminError(400, `${name} must be an ISO 8601 time or epoch milliseconds.`);
  return ms;
}
