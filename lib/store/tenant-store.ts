// Tenants and their credentials, in the same table as the SCIM data but under a partition of their own that no tenant
// id can equal (tenant ids are UUIDs or "default"). Layout of that partition:
//   T:<tenantId>               the tenant: name, status, optional Entra tenant (JWT mode), optional request budget
//   K:<sha256(token)>          a secret token, by the base64url SHA-256 of the token: authentication is one point read
//   TK:<tenantId>:<sha256>     the same token listed under its tenant (reset / revoke are one range read)
//   J:<entraTenantId>          Entra-issued JWTs from this Entra tenant belong to <tenantId> (one point read)
//   O…, TOC…                   OAuth clients and their access tokens (rows described in oauth-store.ts)
// Tokens themselves are never stored, only their hashes. Every change that touches several rows is one entity-group
// transaction (all rows share the partition).
import type { TransactionAction } from '@azure/data-tables';
import { ConcurrencyError } from './repository.js';
import { chunk, MAX_BATCH, TableOps, type Row } from './table-ops.js';

/** The reserved partition. `~` sorts after every UUID and can never be produced by randomUUID() or equal "default". */
export const TENANT_PARTITION = '~tenants';

/** The built-in tenant that the configured SCIM_TOKEN maps to (local development, single-tenant deployments). */
export const DEFAULT_TENANT = 'default';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tenant ids the service generates (lower-case UUIDs), plus the built-in default tenant. */
export function isTenantId(id: string): boolean {
  return id === DEFAULT_TENANT || UUID.test(id);
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export type TenantStatus = 'active' | 'suspended' | 'deleting';

export interface Tenant {
  id: string;
  name: string;
  status: TenantStatus;
  created: string;
  updated: string;
  /** Entra tenant (directory) id whose Entra-issued JWTs authenticate as this tenant. */
  jwtIssuerTenant?: string;
  /** Request budget per minute (per service instance); absent = the service default (off unless configured). */
  requestsPerMinute?: number;
  /** Storage ETag, for optimistic concurrency on updates. */
  etag: string;
}

export interface TokenRecord {
  /** base64url SHA-256 of the token. */
  hash: string;
  tenantId: string;
  created: string;
  /** After a reset with a grace period: the moment this (old) token stops working. */
  expiresAt?: string;
}

export interface NewTenant {
  id: string;
  name: string;
  jwtIssuerTenant?: string;
  requestsPerMinute?: number;
}

export interface TenantChanges {
  name?: string;
  status?: TenantStatus;
  /** null removes the mapping. */
  jwtIssuerTenant?: string | null;
  /** null removes the tenant's own budget. */
  requestsPerMinute?: number | null;
}

/** A create or update collided with an existing row (tenant id, or Entra tenant already mapped elsewhere). */
export class TenantConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantConflictError';
  }
}

export const tenantKeys = {
  tenant: (id: string): string => `T:${id}`,
  tenantRange: (): [string, string] => ['T:', 'T;'],
  token: (hash: string): string => `K:${hash}`,
  tenantToken: (tenantId: string, hash: string): string => `TK:${tenantId}:${hash}`,
  tenantTokenRange: (tenantId: string): [string, string] => [`TK:${tenantId}:`, `TK:${tenantId};`],
  jwtIssuer: (entraTenantId: string): string => `J:${entraTenantId}`,
};

type Entity = { partitionKey: string; rowKey: string } & Record<string, unknown>;

export class TenantStore {
  private readonly ops: TableOps;

  constructor(ops: TableOps) {
    this.ops = ops;
  }

  ready(): Promise<void> {
    return this.ops.ready();
  }

  // ---- reads on the authentication path: one point read each ----

  async getTenant(id: string): Promise<Tenant | undefined> {
    if (!isTenantId(id) || id === DEFAULT_TENANT) return undefined;
    const row = await this.ops.pointRead(TENANT_PARTITION, tenantKeys.tenant(id));
    return row ? tenantFromRow(row) : undefined;
  }

  async findToken(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.ops.pointRead(TENANT_PARTITION, tenantKeys.token(hash));
    return row ? tokenFromRow(hash, row) : undefined;
  }

  async findJwtIssuer(entraTenantId: string): Promise<string | undefined> {
    if (!isUuid(entraTenantId)) return undefined;
    const row = await this.ops.pointRead(TENANT_PARTITION, tenantKeys.jwtIssuer(entraTenantId));
    return row ? String(row.tenantId) : undefined;
  }

  // ---- operator actions ----

  async listTenants(): Promise<Tenant[]> {
    const [from, to] = tenantKeys.tenantRange();
    const tenants: Tenant[] = [];
    for await (const row of this.ops.range(TENANT_PARTITION, from, to)) tenants.push(tenantFromRow(row));
    return tenants;
  }

  /** Creates the tenant, its first token and (optionally) its JWT mapping in one transaction. */
  async createTenant(input: NewTenant, tokenHash: string): Promise<Tenant> {
    const now = new Date().toISOString();
    const tenantRow: Entity = {
      partitionKey: TENANT_PARTITION,
      rowKey: tenantKeys.tenant(input.id),
      name: input.name,
      status: 'active',
      created: now,
      updated: now,
    };
    if (input.jwtIssuerTenant) tenantRow.jwtIssuerTenant = input.jwtIssuerTenant;
    if (input.requestsPerMinute !== undefined) tenantRow.requestsPerMinute = input.requestsPerMinute;
    const actions: TransactionAction[] = [['create', tenantRow], ...tokenRows(input.id, tokenHash, now).map((row): TransactionAction => ['create', row])];
    if (input.jwtIssuerTenant) actions.push(['create', jwtRow(input.jwtIssuerTenant, input.id)]);
    await this.ops.transaction(actions, () =>
      new TenantConflictError(input.jwtIssuerTenant ? `Entra tenant ${input.jwtIssuerTenant} is already mapped to another tenant.` : 'The tenant already exists.'),
    );
    const created = await this.getTenant(input.id);
    if (!created) throw new Error('The tenant was not found after it was created.');
    return created;
  }

  /** Applies the changes if the tenant is unchanged since `existing` was read; moves the JWT mapping in the same transaction. */
  async updateTenant(existing: Tenant, changes: TenantChanges): Promise<Tenant> {
    const row: Entity = {
      partitionKey: TENANT_PARTITION,
      rowKey: tenantKeys.tenant(existing.id),
      name: changes.name ?? existing.name,
      status: changes.status ?? existing.status,
      created: existing.created,
      updated: new Date().toISOString(),
    };
    const jwt = changes.jwtIssuerTenant === undefined ? existing.jwtIssuerTenant : changes.jwtIssuerTenant ?? undefined;
    const budget = changes.requestsPerMinute === undefined ? existing.requestsPerMinute : changes.requestsPerMinute ?? undefined;
    if (jwt) row.jwtIssuerTenant = jwt;
    if (budget !== undefined) row.requestsPerMinute = budget;
    const actions: TransactionAction[] = [['update', row, 'Replace', { etag: existing.etag }]];
    if (jwt !== existing.jwtIssuerTenant) {
      if (existing.jwtIssuerTenant) actions.push(['delete', { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.jwtIssuer(existing.jwtIssuerTenant) }]);
      if (jwt) actions.push(['create', jwtRow(jwt, existing.id)]);
    }
    await this.ops.transaction(actions, () => new TenantConflictError(`Entra tenant ${jwt} is already mapped to another tenant.`));
    const updated = await this.getTenant(existing.id);
    if (!updated) throw new ConcurrencyError();
    return updated;
  }

  async tokensOf(tenantId: string): Promise<TokenRecord[]> {
    const [from, to] = tenantKeys.tenantTokenRange(tenantId);
    const tokens: TokenRecord[] = [];
    for await (const row of this.ops.range(TENANT_PARTITION, from, to)) {
      tokens.push(tokenFromRow(String(row.rowKey).slice(from.length), row));
    }
    return tokens;
  }

  /**
   * Adds a new token and retires the tenant's other tokens: deleted at once when `graceSeconds` is 0, otherwise kept
   * with an expiry `graceSeconds` from now (an earlier expiry already set is kept). Tokens already expired are removed.
   * Returns when the old tokens stop working (undefined: immediately).
   */
  async resetTokens(tenantId: string, newHash: string, graceSeconds: number): Promise<{ oldTokensExpireAt?: string }> {
    const now = new Date();
    const graceEnd = new Date(now.getTime() + graceSeconds * 1000).toISOString();
    const old = await this.tokensOf(tenantId);
    const actions: TransactionAction[] = tokenRows(tenantId, newHash, now.toISOString()).map((row): TransactionAction => ['create', row]);
    let oldTokensExpireAt: string | undefined;
    for (const token of old) {
      const expired = token.expiresAt !== undefined && Date.parse(token.expiresAt) <= now.getTime();
      if (graceSeconds === 0 || expired) {
        actions.push(...deleteTokenActions(tenantId, token.hash));
        continue;
      }
      const expiresAt = token.expiresAt !== undefined && token.expiresAt < graceEnd ? token.expiresAt : graceEnd;
      if (oldTokensExpireAt === undefined || expiresAt > oldTokensExpireAt) oldTokensExpireAt = expiresAt;
      for (const row of tokenRows(tenantId, token.hash, token.created, expiresAt)) actions.push(['update', row, 'Replace']);
    }
    // The new token is in the first batch, so it exists before any old token is retired.
    for (const batch of chunk(actions, MAX_BATCH)) await this.ops.transaction(batch);
    return { oldTokensExpireAt };
  }

  /** Deletes every token of the tenant; returns how many there were. */
  async revokeTokens(tenantId: string): Promise<number> {
    const tokens = await this.tokensOf(tenantId);
    const actions = tokens.flatMap((t) => deleteTokenActions(tenantId, t.hash));
    for (const batch of chunk(actions, MAX_BATCH)) await this.ops.transaction(batch);
    return tokens.length;
  }

  /** Removes the tenant row and its JWT mapping (call after its tokens and data are gone). */
  async deleteTenantRows(tenant: Tenant): Promise<void> {
    const actions: TransactionAction[] = [['delete', { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.tenant(tenant.id) }]];
    const mapping = tenant.jwtIssuerTenant ? await this.findJwtIssuer(tenant.jwtIssuerTenant) : undefined;
    if (tenant.jwtIssuerTenant && mapping === tenant.id) {
      actions.push(['delete', { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.jwtIssuer(tenant.jwtIssuerTenant) }]);
    }
    await this.ops.transaction(actions);
  }

  /**
   * Deletes every row of a tenant's data partition, in transactions of at most 100 rows, until the partition is empty
   * (rows written meanwhile by a request that was already authenticated are swept too). Returns the rows deleted.
   */
  async purgeTenantData(tenantId: string): Promise<number> {
    assertDataPartition(tenantId);
    let deleted = 0;
    for (let round = 0; round < 10_000; round++) {
      const keys: string[] = [];
      for await (const row of this.ops.range(tenantId, '', '\uffff', { select: ['RowKey'], pageSize: 1000 })) {
        keys.push(String(row.rowKey));
        if (keys.length >= 1000) break;
      }
      if (keys.length === 0) return deleted;
      for (const batch of chunk(keys, MAX_BATCH)) deleted += await this.deleteRows(tenantId, batch);
    }
    throw new Error(`The data of tenant ${tenantId} is still being written to; run the delete again.`);
  }

  /** One transaction; if a row vanished meanwhile (the batch fails), deletes the rows one by one. */
  private async deleteRows(partitionKey: string, rowKeys: string[]): Promise<number> {
    try {
      await this.ops.transaction(rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]));
      return rowKeys.length;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    let deleted = 0;
    for (const rowKey of rowKeys) {
      try {
        await this.ops.transaction([['delete', { partitionKey, rowKey }]]);
        deleted++;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    return deleted;
  }
}

/** The purge never touches the reserved partition or anything that is not a tenant id. */
function assertDataPartition(tenantId: string): void {
  if (!isTenantId(tenantId)) throw new Error(`Not a tenant id: ${JSON.stringify(tenantId)}`);
}

function tokenRows(tenantId: string, hash: string, created: string, expiresAt?: string): Entity[] {
  const fields: Record<string, unknown> = { tenantId, created };
  if (expiresAt !== undefined) fields.expiresAt = expiresAt;
  return [
    { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.token(hash), ...fields },
    { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.tenantToken(tenantId, hash), ...fields },
  ];
}

function deleteTokenActions(tenantId: string, hash: string): TransactionAction[] {
  return [
    ['delete', { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.token(hash) }],
    ['delete', { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.tenantToken(tenantId, hash) }],
  ];
}

function jwtRow(entraTenantId: string, tenantId: string): Entity {
  return { partitionKey: TENANT_PARTITION, rowKey: tenantKeys.jwtIssuer(entraTenantId), tenantId };
}

function tenantFromRow(row: Row): Tenant {
  const tenant: Tenant = {
    id: String(row.rowKey).slice(2),
    name: String(row.name ?? ''),
    status: (['active', 'suspended', 'deleting'] as const).find((s) => s === row.status) ?? 'active',
    created: String(row.created ?? ''),
    updated: String(row.updated ?? row.created ?? ''),
    etag: String(row.etag),
  };
  if (typeof row.jwtIssuerTenant === 'string' && row.jwtIssuerTenant !== '') tenant.jwtIssuerTenant = row.jwtIssuerTenant;
  if (typeof row.requestsPerMinute === 'number') tenant.requestsPerMinute = row.requestsPerMinute;
  return tenant;
}

function tokenFromRow(hash: string, row: Row): TokenRecord {
  const token: TokenRecord = { hash, tenantId: String(row.tenantId), created: String(row.created ?? '') };
  if (typeof row.expiresAt === 'string' && row.expiresAt !== '') token.expiresAt = row.expiresAt;
  return token;
}
