// OAuth clients and the access tokens they obtained, in the tenants' reserved partition (see tenant-store.ts) so that
// every change touching several rows is one entity-group transaction. Rows:
//   OC:<clientId>                 the client: tenant, name, scope, and either a secret's hash or a federation trust
//   TOC:<tenantId>:<clientId>     the same client listed under its tenant (list / tenant delete are one range read)
//   OA:<sha256(token)>            an access token: tenant, client, scope, expiry (authentication is one point read)
//   OCA:<clientId>:<sha256>       the same token listed under its client (revocation and cleanup are one range read)
//   OJ:<clientId>:<sha256(jti)>   an assertion id already used, until the assertion expires (replay protection)
// Secrets and tokens are never stored, only their SHA-256 (256-bit random values, so a plain hash suffices).
import type { TransactionAction } from '@azure/data-tables';
import { chunk, MAX_BATCH, type Row, type TableOps } from './table-ops.js';
import { ConcurrencyError } from './repository.js';
import { TENANT_PARTITION } from './tenant-store.js';

export type OAuthScope = 'scim' | 'scim.read';

export interface FederationTrust {
  issuer: string;
  jwksUri: string;
  subject: string;
  audience: string;
}

export interface OAuthClient {
  clientId: string;
  tenantId: string;
  name: string;
  /** The widest scope the client may obtain. */
  scope: OAuthScope;
  created: string;
  /** base64url SHA-256 of the client secret (secret clients only). */
  secretHash?: string;
  /** The trust a federated client's assertions are checked against (federated clients only). */
  federation?: FederationTrust;
}

export interface AccessTokenRecord {
  hash: string;
  tenantId: string;
  clientId: string;
  scope: OAuthScope;
  expiresAt: string;
}

/** Most live tokens one client holds; issuing more retires the oldest (Entra needs one per ~40-minute cycle). */
export const MAX_LIVE_TOKENS_PER_CLIENT = 20;
/** Expired rows removed per issuance at most, so one token request costs a bounded transaction. */
const MAX_SWEEP_PER_ISSUE = 30;

export const oauthKeys = {
  client: (clientId: string): string => `OC:${clientId}`,
  tenantClient: (tenantId: string, clientId: string): string => `TOC:${tenantId}:${clientId}`,
  tenantClientRange: (tenantId: string): [string, string] => [`TOC:${tenantId}:`, `TOC:${tenantId};`],
  token: (hash: string): string => `OA:${hash}`,
  clientToken: (clientId: string, hash: string): string => `OCA:${clientId}:${hash}`,
  clientTokenRange: (clientId: string): [string, string] => [`OCA:${clientId}:`, `OCA:${clientId};`],
  assertion: (clientId: string, jtiHash: string): string => `OJ:${clientId}:${jtiHash}`,
  assertionRange: (clientId: string): [string, string] => [`OJ:${clientId}:`, `OJ:${clientId};`],
};

/** The client was deleted while a token was being issued (the issuance is refused). */
export class ClientGoneError extends Error {
  constructor() {
    super('The OAuth client no longer exists.');
    this.name = 'ClientGoneError';
  }
}

/** The assertion's jti was already used within its lifetime. */
export class AssertionReplayError extends Error {
  constructor() {
    super('The client assertion was already used.');
    this.name = 'AssertionReplayError';
  }
}

type Entity = { partitionKey: string; rowKey: string } & Record<string, unknown>;

export class OAuthStore {
  constructor(private readonly ops: TableOps) {}

  async getClient(clientId: string): Promise<OAuthClient | undefined> {
    const row = await this.ops.pointRead(TENANT_PARTITION, oauthKeys.client(clientId));
    return row ? clientFromRow(clientId, row) : undefined;
  }

  async findToken(hash: string): Promise<AccessTokenRecord | undefined> {
    const row = await this.ops.pointRead(TENANT_PARTITION, oauthKeys.token(hash));
    if (!row) return undefined;
    return { hash, tenantId: String(row.tenantId), clientId: String(row.clientId), scope: scopeOf(row.scope), expiresAt: String(row.expiresAt) };
  }

  async listClients(tenantId: string): Promise<OAuthClient[]> {
    const [from, to] = oauthKeys.tenantClientRange(tenantId);
    const clients: OAuthClient[] = [];
    for await (const row of this.ops.range(TENANT_PARTITION, from, to)) clients.push(clientFromRow(String(row.rowKey).slice(from.length), row));
    return clients;
  }

  /** Creates the client and its tenant listing in one transaction. */
  async createClient(client: OAuthClient): Promise<void> {
    const fields = clientFields(client);
    await this.ops.transaction([
      ['create', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.client(client.clientId), ...fields, ...(client.secretHash ? { secretHash: client.secretHash } : {}) }],
      ['create', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.tenantClient(client.tenantId, client.clientId), ...fields }],
    ]);
  }

  /**
   * Stores a new access token for the client in one transaction that also (a) requires the client row to still exist
   * (a Merge update with If-Match *: a concurrent delete makes the issuance fail), (b) records the assertion's jti when
   * given (a second use within its lifetime conflicts), and (c) removes expired tokens and jti rows of the client and,
   * beyond MAX_LIVE_TOKENS_PER_CLIENT, its oldest live tokens.
   */
  async issueToken(token: AccessTokenRecord, jti?: { hash: string; expiresAt: string }): Promise<void> {
    const now = new Date().toISOString();
    const actions: TransactionAction[] = [
      ['update', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.client(token.clientId), lastIssued: now }, 'Merge'],
      ['create', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.token(token.hash), tenantId: token.tenantId, clientId: token.clientId, scope: token.scope, expiresAt: token.expiresAt, created: now }],
      ['create', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.clientToken(token.clientId, token.hash), expiresAt: token.expiresAt, created: now }],
    ];
    let budget = MAX_SWEEP_PER_ISSUE;
    if (jti) {
      const existing = await this.ops.pointRead(TENANT_PARTITION, oauthKeys.assertion(token.clientId, jti.hash));
      const row = { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.assertion(token.clientId, jti.hash), expiresAt: jti.expiresAt };
      if (!existing) actions.push(['create', row]);
      else if (String(existing.expiresAt) > now) throw new AssertionReplayError();
      else actions.push(['update', row, 'Replace', { etag: String(existing.etag) }]);
      const [from, to] = oauthKeys.assertionRange(token.clientId);
      for await (const old of this.ops.range(TENANT_PARTITION, from, to, { select: ['RowKey', 'expiresAt'] })) {
        if (budget <= 0) break;
        if (String(old.rowKey) === row.rowKey || String(old.expiresAt) > now) continue;
        actions.push(['delete', { partitionKey: TENANT_PARTITION, rowKey: String(old.rowKey) }]);
        budget--;
      }
    }
    const live: { hash: string; created: string }[] = [];
    const [from, to] = oauthKeys.clientTokenRange(token.clientId);
    for await (const row of this.ops.range(TENANT_PARTITION, from, to, { select: ['RowKey', 'expiresAt', 'created'] })) {
      const hash = String(row.rowKey).slice(from.length);
      if (String(row.expiresAt) > now) live.push({ hash, created: String(row.created ?? '') });
      else if (budget > 0) {
        actions.push(...deleteTokenActions(token.clientId, hash));
        budget -= 2;
      }
    }
    live.sort((a, b) => a.created.localeCompare(b.created));
    for (const old of live.slice(0, Math.max(0, live.length + 1 - MAX_LIVE_TOKENS_PER_CLIENT))) actions.push(...deleteTokenActions(token.clientId, old.hash));
    try {
      await this.ops.transaction(actions.slice(0, MAX_BATCH), () => new AssertionReplayError());
    } catch (error) {
      // 404 on the Merge: the client row is gone. (A 409 can only be the jti row: token hashes are random.)
      if (error instanceof ConcurrencyError) throw new ClientGoneError();
      throw error;
    }
  }

  /**
   * Deletes the client (first, so that no further token can be issued for it), then every token it obtained and its
   * used-assertion rows. Returns false when there was no such client of this tenant (its leftover tokens, if any,
   * are still removed: a delete that was interrupted can be run again).
   */
  async deleteClient(tenantId: string, clientId: string): Promise<boolean> {
    const client = await this.getClient(clientId);
    const found = client !== undefined && client.tenantId === tenantId;
    if (found) {
      await this.ops.transaction([
        ['delete', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.client(clientId) }],
        ['delete', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.tenantClient(tenantId, clientId) }],
      ]);
    } else if (client !== undefined) {
      return false; // another tenant's client: not ours to touch
    }
    const actions: TransactionAction[] = [];
    const [from, to] = oauthKeys.clientTokenRange(clientId);
    for await (const row of this.ops.range(TENANT_PARTITION, from, to, { select: ['RowKey'] })) {
      const hash = String(row.rowKey).slice(from.length);
      if (!found) {
        // Leftovers of an interrupted delete: only this tenant's.
        const token = await this.findToken(hash);
        if (token && token.tenantId !== tenantId) continue;
      }
      actions.push(...deleteTokenActions(clientId, hash));
    }
    const [jFrom, jTo] = oauthKeys.assertionRange(clientId);
    if (found) for await (const row of this.ops.range(TENANT_PARTITION, jFrom, jTo, { select: ['RowKey'] })) actions.push(['delete', { partitionKey: TENANT_PARTITION, rowKey: String(row.rowKey) }]);
    for (const batch of chunk(actions, MAX_BATCH)) await this.ops.transaction(batch);
    return found || actions.length > 0;
  }

  /** Deletes every OAuth client of the tenant and their tokens (tenant deletion). Returns how many clients there were. */
  async purgeTenant(tenantId: string): Promise<number> {
    const clients = await this.listClients(tenantId);
    for (const client of clients) await this.deleteClient(tenantId, client.clientId);
    return clients.length;
  }
}

function deleteTokenActions(clientId: string, hash: string): TransactionAction[] {
  return [
    ['delete', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.token(hash) }],
    ['delete', { partitionKey: TENANT_PARTITION, rowKey: oauthKeys.clientToken(clientId, hash) }],
  ];
}

function clientFields(client: OAuthClient): Record<string, unknown> {
  const fields: Record<string, unknown> = { tenantId: client.tenantId, name: client.name, scope: client.scope, created: client.created };
  if (client.federation) Object.assign(fields, { issuer: client.federation.issuer, jwksUri: client.federation.jwksUri, subject: client.federation.subject, audience: client.federation.audience });
  return fields;
}

function scopeOf(value: unknown): OAuthScope {
  return value === 'scim.read' ? 'scim.read' : 'scim';
}

function clientFromRow(clientId: string, row: Row | Entity): OAuthClient {
  const client: OAuthClient = { clientId, tenantId: String(row.tenantId), name: String(row.name ?? ''), scope: scopeOf(row.scope), created: String(row.created ?? '') };
  if (typeof row.secretHash === 'string' && row.secretHash !== '') client.secretHash = row.secretHash;
  if (typeof row.issuer === 'string' && row.issuer !== '') {
    client.federation = { issuer: row.issuer, jwksUri: String(row.jwksUri), subject: String(row.subject), audience: String(row.audience) };
  }
  return client;
}
