// The operator actions on a tenant's OAuth clients, shared by the admin HTTP functions
// (functions/admin-oauth-clients-*.ts) and the tenants CLI: a secret client (the secret is returned once and only its
// hash is stored) or a federated client (workload identity federation: the trust Entra's portal shows, no secret).
// Deleting a client revokes it and every token it obtained (other instances: within SCIM_AUTH_CACHE_SECONDS).
import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT, isTenantId, type TenantStore } from '../../store/tenant-store.js';
import type { FederationTrust, OAuthClient, OAuthScope, OAuthStore } from '../../store/oauth-store.js';
import { AdminError } from '../../tenants/tenant-admin.js';
import { generateToken, tokenHash } from '../tokens.js';
import { invalidateAccessTokenCache } from './access-tokens.js';
import { acceptableJwksUrl, type OAuthSettings } from './config.js';
import { TOKEN_ROUTE } from './token-endpoint.js';

export interface CreateClientInput {
  name?: string;
  scope?: string;
  federation?: unknown;
}

export interface OAuthClientView {
  clientId: string;
  name: string;
  type: 'secret' | 'federated';
  scope: OAuthScope;
  created: string;
  federation?: FederationTrust;
}

export interface CreatedClient {
  clientId: string;
  /** Shown once; absent for a federated client. */
  clientSecret?: string;
  tokenEndpoint: string;
  scope: OAuthScope;
}

/** Most OAuth clients one tenant may hold (a few per Entra job is the norm). */
export const MAX_CLIENTS_PER_TENANT = 20;
const MAX_FIELD_LENGTH = 1024;

export class OAuthClientAdmin {
  constructor(
    private readonly tenants: TenantStore,
    private readonly clients: OAuthStore,
    private readonly settings: Pick<OAuthSettings, 'allowLoopbackHttpJwks'>,
  ) {}

  async create(tenantId: string, input: CreateClientInput, baseUrl: string): Promise<CreatedClient> {
    const tenant = await this.existingTenant(tenantId);
    const name = checkName(input.name);
    const scope = checkScope(input.scope);
    const federation = input.federation === undefined ? undefined : this.checkFederation(input.federation);
    if ((await this.clients.listClients(tenant)).length >= MAX_CLIENTS_PER_TENANT) {
      throw new AdminError(409, `The tenant already has ${MAX_CLIENTS_PER_TENANT} OAuth clients; delete one first.`);
    }
    const clientId = randomUUID();
    const secret = federation ? undefined : generateToken();
    const client: OAuthClient = { clientId, tenantId: tenant, name, scope, created: new Date().toISOString() };
    if (secret !== undefined) client.secretHash = tokenHash(secret);
    if (federation) client.federation = federation;
    await this.clients.createClient(client);
    const created: CreatedClient = { clientId, tokenEndpoint: `${baseUrl}/${TOKEN_ROUTE}`, scope };
    if (secret !== undefined) created.clientSecret = secret;
    return created;
  }

  async list(tenantId: string): Promise<OAuthClientView[]> {
    const tenant = await this.existingTenant(tenantId);
    const clients = await this.clients.listClients(tenant);
    return clients.map(view).sort((a, b) => a.created.localeCompare(b.created) || a.clientId.localeCompare(b.clientId));
  }

  /** Revokes the client and the tokens it obtained. */
  async delete(tenantId: string, clientId: string): Promise<{ clientId: string; revoked: true }> {
    const tenant = await this.existingTenant(tenantId);
    const id = String(clientId).trim().toLowerCase();
    try {
      if (!/^[0-9a-f-]{36}$/.test(id) || !(await this.clients.deleteClient(tenant, id))) throw new AdminError(404, `OAuth client ${JSON.stringify(clientId)} not found.`);
    } finally {
      invalidateAccessTokenCache();
    }
    return { clientId: id, revoked: true };
  }

  private async existingTenant(tenantId: string): Promise<string> {
    const id = String(tenantId).trim().toLowerCase();
    if (!isTenantId(id) || id === DEFAULT_TENANT) throw new AdminError(404, `Tenant ${JSON.stringify(tenantId)} not found (OAuth clients belong to tenants created with "tenants create").`);
    const tenant = await this.tenants.getTenant(id);
    if (!tenant) throw new AdminError(404, `Tenant ${id} not found.`);
    if (tenant.status === 'deleting') throw new AdminError(409, 'The tenant is being deleted.');
    return tenant.id;
  }

  private checkFederation(value: unknown): FederationTrust {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminError(400, 'federation must be an object {issuer, jwksUri, subject, audience}.');
    const fields = value as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !['issuer', 'jwksUri', 'subject', 'audience'].includes(k));
    if (unknown.length > 0) throw new AdminError(400, `Unknown federation field(s): ${unknown.join(', ')}. Allowed: issuer, jwksUri, subject, audience.`);
    const text = (name: string): string => {
      const v = fields[name];
      if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_FIELD_LENGTH || /[\u0000-\u001f\u007f]/.test(v)) {
        throw new AdminError(400, `federation.${name} is required: a string of at most ${MAX_FIELD_LENGTH} characters.`);
      }
      return v.trim();
    };
    const trust = { issuer: text('issuer'), jwksUri: text('jwksUri'), subject: text('subject'), audience: text('audience') };
    let url: URL;
    try {
      url = new URL(trust.jwksUri);
    } catch {
      throw new AdminError(400, 'federation.jwksUri must be a URL.');
    }
    if (!acceptableJwksUrl(url, this.settings)) throw new AdminError(400, 'federation.jwksUri must be an https URL.');
    return trust;
  }
}

function view(client: OAuthClient): OAuthClientView {
  const v: OAuthClientView = { clientId: client.clientId, name: client.name, type: client.federation ? 'federated' : 'secret', scope: client.scope, created: client.created };
  if (client.federation) v.federation = client.federation;
  return v;
}

function checkName(name: unknown): string {
  if (name === undefined) return '';
  if (typeof name !== 'string' || name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) throw new AdminError(400, 'name must be at most 256 characters without control characters.');
  return name.trim();
}

function checkScope(scope: unknown): OAuthScope {
  if (scope === undefined) return 'scim';
  if (scope === 'scim' || scope === 'scim.read') return scope;
  throw new AdminError(400, 'scope must be "scim" (read and write) or "scim.read" (read only).');
}
