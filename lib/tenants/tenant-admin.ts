// The operator actions on tenants, shared by the CLI (tools/tenants.ts) and the admin HTTP functions
// (functions/admin-tenants-*.ts): input rules, token generation (the token is returned once and never stored or
// logged), and dropping this process's credential cache after every change.
import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from '../store/repository.js';
import { DEFAULT_TENANT, isTenantId, isUuid, TenantConflictError, type Tenant, type TenantChanges, type TenantStore } from '../store/tenant-store.js';
import { authCacheSeconds, invalidateCredentialCache } from '../auth/credential-cache.js';
import { invalidateAccessTokenCache } from '../auth/oauth/access-tokens.js';
import { generateToken, tokenHash } from '../auth/tokens.js';
import { operationTimeoutMs } from '../store/table-ops.js';

/** A rejected operator request: 400 bad input, 404 unknown tenant, 409 conflict, 415 not a JSON body. */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface TenantView {
  tenantId: string;
  name: string;
  status: 'active' | 'suspended' | 'deleting';
  created: string;
  updated: string;
  jwtIssuerTenant?: string;
  requestsPerMinute?: number;
}

export interface TenantDetails extends TenantView {
  /** The tenant's secret tokens (never the tokens themselves): when each was issued and, if retiring, when it expires. */
  tokens: { created: string; expiresAt?: string }[];
}

export interface CreateTenantInput {
  name: string;
  jwtIssuerTenant?: string;
  requestsPerMinute?: number;
}

export interface UpdateTenantInput {
  name?: string;
  status?: 'active' | 'suspended';
  /** null removes the mapping (the tenant then accepts only its secret tokens). */
  jwtIssuerTenant?: string | null;
  /** null removes the tenant's own budget (the service default applies). */
  requestsPerMinute?: number | null;
}

export interface CreatedTenant {
  tenantId: string;
  name: string;
  /** Shown once. */
  token: string;
  jwtIssuerTenant?: string;
}

export interface ResetToken {
  tenantId: string;
  /** Shown once. */
  token: string;
  /** When the previous tokens stop working; absent when they stopped at once. */
  oldTokensExpireAt?: string;
}

export const MAX_GRACE_SECONDS = 7 * 24 * 60 * 60;
const MAX_NAME_LENGTH = 256;

/** What else holds a tenant's data outside its partition (the activity log), removed with the tenant. */
export interface TenantDataHolder {
  purge(tenantId: string): Promise<number>;
}

/** What holds a tenant's other credentials (its OAuth clients and their tokens), removed with the tenant. */
export interface TenantCredentialHolder {
  purgeTenant(tenantId: string): Promise<number>;
}

export class TenantAdmin {
  constructor(
    private readonly store: TenantStore,
    private readonly activity?: TenantDataHolder,
    private readonly oauth?: TenantCredentialHolder,
  ) {}

  async list(): Promise<TenantView[]> {
    const tenants = await this.store.listTenants();
    return tenants.map(view).sort((a, b) => a.created.localeCompare(b.created) || a.tenantId.localeCompare(b.tenantId));
  }

  async show(tenantId: string): Promise<TenantDetails> {
    const tenant = await this.existing(tenantId);
    const tokens = await this.store.tokensOf(tenant.id);
    return {
      ...view(tenant),
      tokens: tokens
        .map((t) => (t.expiresAt ? { created: t.created, expiresAt: t.expiresAt } : { created: t.created }))
        .sort((a, b) => a.created.localeCompare(b.created)),
    };
  }

  async create(input: CreateTenantInput): Promise<CreatedTenant> {
    const name = checkName(input.name);
    const jwtIssuerTenant = input.jwtIssuerTenant === undefined ? undefined : checkEntraTenant(input.jwtIssuerTenant);
    const requestsPerMinute = input.requestsPerMinute === undefined ? undefined : checkBudget(input.requestsPerMinute);
    const token = generateToken();
    const tenantId = randomUUID();
    try {
      await this.store.createTenant({ id: tenantId, name, jwtIssuerTenant, requestsPerMinute }, tokenHash(token));
    } catch (error) {
      if (error instanceof TenantConflictError) throw new AdminError(409, error.message);
      throw error;
    } finally {
      invalidateCredentialCache();
    }
    const created: CreatedTenant = { tenantId, name, token };
    if (jwtIssuerTenant) created.jwtIssuerTenant = jwtIssuerTenant;
    return created;
  }

  async update(tenantId: string, input: UpdateTenantInput): Promise<TenantView> {
    const changes: TenantChanges = {};
    if (input.name !== undefined) changes.name = checkName(input.name);
    if (input.status !== undefined) {
      if (input.status !== 'active' && input.status !== 'suspended') throw new AdminError(400, 'status must be "active" or "suspended".');
      changes.status = input.status;
    }
    if (input.jwtIssuerTenant !== undefined) changes.jwtIssuerTenant = input.jwtIssuerTenant === null ? null : checkEntraTenant(input.jwtIssuerTenant);
    if (input.requestsPerMinute !== undefined) changes.requestsPerMinute = input.requestsPerMinute === null ? null : checkBudget(input.requestsPerMinute);
    try {
      for (let attempt = 1; ; attempt++) {
        const tenant = await this.existing(tenantId);
        if (tenant.status === 'deleting') throw new AdminError(409, 'The tenant is being deleted.');
        try {
          return view(await this.store.updateTenant(tenant, changes));
        } catch (error) {
          if (error instanceof TenantConflictError) throw new AdminError(409, error.message);
          if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
        }
      }
    } finally {
      invalidateCredentialCache();
    }
  }

  /**
   * Issues a new token; the old ones stop working at once (on other instances within the credential cache time), or
   * after `graceSeconds`. A grace period shorter than the cache time is lengthened to it: another instance may hold
   * the old token without its expiry for that long, and the expiry returned must be the moment it ends everywhere.
   */
  async resetToken(tenantId: string, options: { graceSeconds?: number } = {}): Promise<ResetToken> {
    const asked = options.graceSeconds ?? 0;
    if (!Number.isInteger(asked) || asked < 0 || asked > MAX_GRACE_SECONDS) {
      throw new AdminError(400, `graceSeconds must be a whole number from 0 to ${MAX_GRACE_SECONDS}.`);
    }
    const grace = asked === 0 ? 0 : Math.max(asked, Math.ceil(authCacheSeconds()));
    const tenant = await this.existing(tenantId);
    if (tenant.status === 'deleting') throw new AdminError(409, 'The tenant is being deleted.');
    const token = generateToken();
    try {
      const { oldTokensExpireAt } = await this.store.resetTokens(tenant.id, tokenHash(token), grace);
      return oldTokensExpireAt ? { tenantId: tenant.id, token, oldTokensExpireAt } : { tenantId: tenant.id, token };
    } finally {
      invalidateCredentialCache();
    }
  }

  /** Revokes every secret token of the tenant (its JWT mapping, if any, stays: remove it with update). */
  async revoke(tenantId: string): Promise<{ tenantId: string; revokedTokens: number }> {
    const tenant = await this.existing(tenantId);
    try {
      return { tenantId: tenant.id, revokedTokens: await this.store.revokeTokens(tenant.id) };
    } finally {
      invalidateCredentialCache();
    }
  }

  /**
   * Deletes the tenant and all its data: marks it as being deleted (from then on every instance that reads the tenant
   * refuses its requests), removes its tokens, every row of its partition (batches of 100) and its activity; then waits
   * until no instance can still hold its credentials from before the mark (deletionSettleMs) and sweeps again, so that
   * whatever such an instance wrote in between goes too; then removes the tenant row and JWT mapping. Safe to run again
   * if it was interrupted. `default` (the SCIM_TOKEN tenant) has no tenant row: its data is purged.
   */
  async delete(tenantId: string, options: { settleMs?: number } = {}): Promise<{ tenantId: string; deletedRows: number }> {
    const id = normalizeId(tenantId);
    const tenant = id === DEFAULT_TENANT ? undefined : await this.store.getTenant(id);
    try {
      if (tenant) {
        if (tenant.status !== 'deleting') await this.markDeleting(tenant);
        await this.store.revokeTokens(id);
        await this.oauth?.purgeTenant(id);
        invalidateCredentialCache();
        invalidateAccessTokenCache();
      }
      let deletedRows = await this.store.purgeTenantData(id);
      await this.activity?.purge(id);
      if (tenant) {
        await sleep(options.settleMs ?? deletionSettleMs());
        deletedRows += await this.store.purgeTenantData(id);
        await this.activity?.purge(id);
        const current = await this.store.getTenant(id);
        if (current) await this.store.deleteTenantRows(current);
      } else if (deletedRows === 0 && id !== DEFAULT_TENANT) {
        throw new AdminError(404, `Tenant ${id} not found.`);
      }
      return { tenantId: id, deletedRows };
    } finally {
      invalidateCredentialCache();
    }
  }

  private async markDeleting(tenant: Tenant): Promise<void> {
    for (let attempt = 1, current: Tenant | undefined = tenant; current; attempt++) {
      try {
        await this.store.updateTenant(current, { status: 'deleting' });
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
        current = await this.store.getTenant(tenant.id);
      }
    }
  }

  private async existing(tenantId: string): Promise<Tenant> {
    const id = normalizeId(tenantId);
    const tenant = await this.store.getTenant(id);
    if (!tenant) throw new AdminError(404, `Tenant ${id} not found.`);
    return tenant;
  }
}

/**
 * How long after a tenant is marked deleting another instance may still accept its writes: its cached credentials live
 * SCIM_AUTH_CACHE_SECONDS from their read, a write it accepted may take one storage operation (SCIM_STORAGE_TIMEOUT_MS)
 * to land, and its activity entries wait up to SCIM_ACTIVITY_FLUSH_MS in memory.
 */
export function deletionSettleMs(env: NodeJS.ProcessEnv = process.env): number {
  const flush = Number(env.SCIM_ACTIVITY_FLUSH_MS);
  return Math.ceil(authCacheSeconds(env) * 1000) + operationTimeoutMs() + (Number.isFinite(flush) && flush > 0 ? flush : 1000);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function normalizeId(tenantId: string): string {
  const id = String(tenantId).trim().toLowerCase();
  if (!isTenantId(id)) throw new AdminError(404, `Tenant ${JSON.stringify(tenantId)} not found (tenant ids are UUIDs).`);
  return id;
}

function view(tenant: Tenant): TenantView {
  const v: TenantView = { tenantId: tenant.id, name: tenant.name, status: tenant.status, created: tenant.created, updated: tenant.updated };
  if (tenant.jwtIssuerTenant) v.jwtIssuerTenant = tenant.jwtIssuerTenant;
  if (tenant.requestsPerMinute !== undefined) v.requestsPerMinute = tenant.requestsPerMinute;
  return v;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new AdminError(400, 'name is required.');
  const trimmed = name.trim();
  if (trimmed.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new AdminError(400, `name must be at most ${MAX_NAME_LENGTH} characters without control characters.`);
  }
  return trimmed;
}

function checkEntraTenant(value: unknown): string {
  const id = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!isUuid(id)) throw new AdminError(400, 'The Entra tenant id must be a GUID (the Directory (tenant) ID shown in the Entra admin center).');
  return id;
}

function checkBudget(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw new AdminError(400, 'requestsPerMinute must be a whole number from 1 to 1000000 (or null for the default).');
  }
  return value;
}
