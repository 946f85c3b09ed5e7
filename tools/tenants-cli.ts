// `npm run tenants -- <command>`: the operator CLI over the same TenantAdmin calls the admin HTTP functions make.
// Storage: SCIM_STORAGE_CONNECTION_STRING (Azurite, or an account key) or SCIM_TABLE_ENDPOINT (Azure, signed in with
// `az login`: DefaultAzureCredential), table SCIM_TABLE_NAME (default scim). With neither set, the CLI uses the
// Azurite of a running `npm start`, which writes its connection string to .local/storage-connection.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ScimError } from '../lib/scim/errors.js';
import { createTableClient, storageConfigFromEnv, type StorageConfig } from '../lib/store/table-client.js';
import { TableOps } from '../lib/store/table-ops.js';
import { TenantStore } from '../lib/store/tenant-store.js';
import { OAuthStore } from '../lib/store/oauth-store.js';
import { createActivityStore } from '../lib/activity/activity-store.js';
import { activityConfigFromEnv } from '../lib/activity/config.js';
import { OAuthClientAdmin } from '../lib/auth/oauth/clients.js';
import { oauthSettingsFromEnv } from '../lib/auth/oauth/config.js';
import { isSubscriptionCommand, runSubscriptionCommand, SUBSCRIPTION_USAGE } from '../lib/delivery/cli.js';
import { AdminError, MAX_GRACE_SECONDS, TenantAdmin, type TenantView, type UpdateTenantInput } from '../lib/tenants/tenant-admin.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

/** Where `npm start` records the connection string of the Azurite it runs (removed when it stops). */
export const LOCAL_CONNECTION_FILE = join('.local', 'storage-connection');

const USAGE = `Usage: npm run --silent tenants -- <command> [options]

Commands:
  create --name <name> [--jwt-issuer-tenant <entra-tenant-guid>] [--requests-per-minute <n>]
                                   create a tenant; prints its id and secret token (shown once)
  list                             list tenants
  show --tenant <id>               one tenant, with when its tokens were issued / expire
  reset-token --tenant <id> [--grace-seconds <n>]
                                   issue a new token (shown once); old tokens stop working after
                                   the grace period (default 0: at once; at most ${MAX_GRACE_SECONDS})
  revoke --tenant <id>             revoke all of the tenant's secret tokens
  suspend --tenant <id>            answer 403 to the tenant's requests until resumed
  resume --tenant <id>
  update --tenant <id> [--name <name>] [--jwt-issuer-tenant <guid>|none] [--requests-per-minute <n>|off]
  delete --tenant <id>             delete the tenant and ALL its data (users, groups, memberships)

OAuth clients (Entra's "OAuth2 client credentials" or "workload identity federation" instead of a secret token):
  oauth-client-create --tenant <id> [--name <name>] [--scope scim|scim.read] [--base-url <https://host/scim/v2>]
                                   a client id and secret (shown once) and the token URL for Entra
  oauth-client-create --tenant <id> --federation-issuer <iss> --federation-jwks-uri <url>
                      --federation-subject <sub> --federation-audience <aud> [--name] [--scope] [--base-url]
                                   a federated client (no secret): Entra's signed assertions are exchanged for tokens
  oauth-client-list --tenant <id>  the tenant's OAuth clients (never secrets)
  oauth-client-delete --tenant <id> --client <client-id>
                                   revoke the client and every token it obtained

${SUBSCRIPTION_USAGE}
Options:
  --json                           machine-readable output
Storage: SCIM_STORAGE_CONNECTION_STRING or SCIM_TABLE_ENDPOINT (+ SCIM_TABLE_NAME, default "scim");
with neither set, the Azurite of a running \`npm start\` (${LOCAL_CONNECTION_FILE}).
`;

class UsageError extends Error {}

/** Runs one CLI command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function runTenantsCli(args: string[], io: CliIo, root = projectRoot()): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help || parsed.command === undefined) {
    (parsed.help ? io.stdout : io.stderr)(USAGE);
    return parsed.help ? 0 : 2;
  }
  let storage: StorageConfig;
  try {
    storage = cliStorageConfig(io.env, root);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 1;
  }
  try {
    // The tenant's activity entries go with it (same storage account, the activity table).
    const storageEnv = { ...io.env, SCIM_STORAGE_CONNECTION_STRING: storage.connectionString ?? '', SCIM_TABLE_ENDPOINT: storage.tableEndpoint ?? '', SCIM_TABLE_NAME: storage.tableName };
    const activity = await createActivityStore(activityConfigFromEnv(storageEnv).tableName, storageEnv);
    const ops = new TableOps(await createTableClient(storage));
    const tenants = new TenantStore(ops);
    if (isSubscriptionCommand(parsed.command)) {
      await runSubscriptionCommand(parsed as typeof parsed & { command: string }, storageEnv, tenants, root, (json, text) => io.stdout(parsed.json ? `${JSON.stringify(json)}\n` : text));
      return 0;
    }
    const oauth = new OAuthStore(ops);
    const admin = new TenantAdmin(tenants, activity, oauth);
    await execute(parsed, admin, io, new OAuthClientAdmin(tenants, oauth, oauthSettingsFromEnv(io.env)));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof AdminError) io.stderr(`${error.message}\n`);
    else if (error instanceof ScimError && error.status !== 503) io.stderr(`${error.detail}\n`);
    else if (error instanceof ScimError && error.status === 503) io.stderr(`Storage is unreachable at ${describeStorage(storage)}${storage.connectionString ? ' (is `npm start` or Azurite running?)' : ''}.\n`);
    else io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      'jwt-issuer-tenant': { type: 'string' },
      'grace-seconds': { type: 'string' },
      'requests-per-minute': { type: 'string' },
      client: { type: 'string' },
      scope: { type: 'string' },
      'base-url': { type: 'string' },
      'federation-issuer': { type: 'string' },
      'federation-jwks-uri': { type: 'string' },
      'federation-subject': { type: 'string' },
      'federation-audience': { type: 'string' },
      url: { type: 'string' },
      queue: { type: 'string' },
      types: { type: 'string' },
      subscription: { type: 'string' },
      event: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (positionals.length > 1) throw new UsageError(`Unexpected argument: ${positionals[1]}`);
  return { ...values, command: positionals[0], help: values.help === true, json: values.json === true };
}

type Parsed = ReturnType<typeof parse>;

async function execute(p: Parsed, admin: TenantAdmin, io: CliIo, clients: OAuthClientAdmin): Promise<void> {
  const out = (json: unknown, text: string): void => io.stdout(p.json ? `${JSON.stringify(json)}\n` : text);
  switch (p.command) {
    case 'create': {
      if (p.name === undefined) throw new UsageError('create needs --name.');
      const created = await admin.create({
        name: p.name,
        jwtIssuerTenant: p['jwt-issuer-tenant'],
        requestsPerMinute: p['requests-per-minute'] === undefined ? undefined : budget(p['requests-per-minute']) ?? undefined,
      });
      out(
        created,
        `Created tenant "${created.name}" (id ${created.tenantId}).\n\n` +
          `Secret token (shown once; paste it into Entra ID's Secret Token field now):\n\n  ${created.token}\n\n` +
          `Tenant URL for Entra ID: https://<your-function-app>/scim/v2 (the same for every tenant; the token selects the tenant).\n` +
          (created.jwtIssuerTenant ? `Entra-issued tokens from Entra tenant ${created.jwtIssuerTenant} are accepted too (Secret Token left blank).\n` : ''),
      );
      return;
    }
    case 'list': {
      const tenants = await admin.list();
      out({ tenants }, tenants.length === 0 ? 'No tenants.\n' : table(tenants));
      return;
    }
    case 'show': {
      const t = await admin.show(tenantOf(p));
      const tokens = t.tokens.map((k) => `    issued ${k.created}${k.expiresAt ? `, expires ${k.expiresAt}` : ''}\n`).join('');
      out(t, `${describe(t)}  secret tokens: ${t.tokens.length}\n${tokens}`);
      return;
    }
    case 'reset-token': {
      const grace = p['grace-seconds'] === undefined ? 0 : wholeNumber(p['grace-seconds'], '--grace-seconds');
      const reset = await admin.resetToken(tenantOf(p), { graceSeconds: grace });
      out(
        reset,
        `New secret token for tenant ${reset.tenantId} (shown once):\n\n  ${reset.token}\n\n` +
          (reset.oldTokensExpireAt ? `The previous token(s) keep working until ${reset.oldTokensExpireAt}.\n` : 'The previous token(s) no longer work.\n'),
      );
      return;
    }
    case 'revoke': {
      const r = await admin.revoke(tenantOf(p));
      out(r, `Revoked ${r.revokedTokens} token(s) of tenant ${r.tenantId}. Issue a new one with reset-token.\n`);
      return;
    }
    case 'suspend':
    case 'resume': {
      const t = await admin.update(tenantOf(p), { status: p.command === 'suspend' ? 'suspended' : 'active' });
      out(t, `Tenant ${t.tenantId} is ${t.status}.\n`);
      return;
    }
    case 'update': {
      const changes: UpdateTenantInput = {};
      if (p.name !== undefined) changes.name = p.name;
      const jwt = p['jwt-issuer-tenant'];
      if (jwt !== undefined) changes.jwtIssuerTenant = /^(none|off|)$/i.test(jwt) ? null : jwt;
      if (p['requests-per-minute'] !== undefined) changes.requestsPerMinute = budget(p['requests-per-minute']);
      if (Object.keys(changes).length === 0) throw new UsageError('update needs at least one of --name, --jwt-issuer-tenant, --requests-per-minute.');
      const t = await admin.update(tenantOf(p), changes);
      out(t, `Updated.\n${describe(t)}`);
      return;
    }
    case 'delete': {
      const d = await admin.delete(tenantOf(p));
      out(d, `Deleted tenant ${d.tenantId} and ${d.deletedRows} row(s) of its data.\n`);
      return;
    }
    case 'oauth-client-create': {
      const federation = federationOf(p);
      const baseUrl = (p['base-url'] ?? PLACEHOLDER_BASE_URL).replace(/\/+$/, '');
      const c = await clients.create(tenantOf(p), { name: p.name, scope: p.scope, federation }, baseUrl);
      out(
        c,
        `Created OAuth client ${c.clientId} for tenant ${tenantOf(p)} (scope ${c.scope}).\n\n` +
          `In Entra ID (Provisioning > Admin Credentials), choose ${federation ? '"Workload identity federation"' : '"OAuth2 client credentials grant"'} and enter:\n` +
          `  Tenant URL:       ${baseUrl}\n  Token endpoint:   ${c.tokenEndpoint}\n  Client ID:        ${c.clientId}\n` +
          (c.clientSecret ? `  Client secret:    ${c.clientSecret}\n\nThe secret is shown once; only its hash is stored.\n` : '\nNo secret: Entra signs an assertion that matches the trust you entered.\n'),
      );
      return;
    }
    case 'oauth-client-list': {
      const list = await clients.list(tenantOf(p));
      out(
        { clients: list },
        list.length === 0
          ? 'No OAuth clients.\n'
          : list.map((c) => `${c.clientId}  ${c.type.padEnd(9)}  ${c.scope.padEnd(9)}  ${c.created.slice(0, 19)}  ${c.name}${c.federation ? `\n    trusts iss ${c.federation.issuer}, sub ${c.federation.subject}, aud ${c.federation.audience}` : ''}`).join('\n') + '\n',
      );
      return;
    }
    case 'oauth-client-delete': {
      if (p.client === undefined || p.client === '') throw new UsageError('oauth-client-delete needs --client <client-id>.');
      const d = await clients.delete(tenantOf(p), p.client);
      out(d, `Revoked OAuth client ${d.clientId} and the tokens it obtained (other instances: within the auth cache time).\n`);
      return;
    }
    default:
      throw new UsageError(`Unknown command: ${p.command}`);
  }
}

const PLACEHOLDER_BASE_URL = 'https://<your-function-app>/scim/v2';

/** The federation trust from the four --federation-* options: all or none. */
function federationOf(p: Parsed): Record<string, string> | undefined {
  const fields = { issuer: p['federation-issuer'], jwksUri: p['federation-jwks-uri'], subject: p['federation-subject'], audience: p['federation-audience'] };
  const given = Object.values(fields).filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given < 4) throw new UsageError('A federated client needs all of --federation-issuer, --federation-jwks-uri, --federation-subject, --federation-audience.');
  return fields as Record<string, string>;
}

function tenantOf(p: Parsed): string {
  if (p.tenant === undefined || p.tenant === '') throw new UsageError(`${p.command} needs --tenant <id>.`);
  return p.tenant;
}

function wholeNumber(raw: string, option: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${option} must be a whole number of seconds.`);
  return Number(raw);
}

function budget(raw: string): number | null {
  if (/^(off|none|0)$/i.test(raw)) return null;
  if (!/^\d+$/.test(raw)) throw new UsageError('--requests-per-minute must be a whole number or "off".');
  return Number(raw);
}

function describe(t: TenantView): string {
  return (
    `${t.tenantId}  ${t.name}\n  status: ${t.status}\n  created: ${t.created}\n` +
    `  Entra-issued JWTs: ${t.jwtIssuerTenant ? `accepted from Entra tenant ${t.jwtIssuerTenant}` : 'not accepted'}\n` +
    `  request budget: ${t.requestsPerMinute !== undefined ? `${t.requestsPerMinute}/min` : 'service default'}\n`
  );
}

function table(tenants: TenantView[]): string {
  const rows = tenants.map((t) => [t.tenantId, t.status, t.jwtIssuerTenant ? 'jwt' : '', t.created.slice(0, 19), t.name]);
  const head = ['TENANT ID', 'STATUS', 'AUTH', 'CREATED', 'NAME'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** The storage the CLI works on: the environment, else the running `npm start`'s Azurite, else a clear error. */
export function cliStorageConfig(env: NodeJS.ProcessEnv, root: string): StorageConfig {
  if (env.SCIM_STORAGE_CONNECTION_STRING || env.SCIM_TABLE_ENDPOINT) return storageConfigFromEnv(env);
  const file = join(root, LOCAL_CONNECTION_FILE);
  if (existsSync(file)) {
    const connectionString = readFileSync(file, 'utf8').trim();
    if (connectionString) return { connectionString, tableName: env.SCIM_TABLE_NAME || 'scim' };
  }
  throw new Error(
    'Storage is not configured. Either:\n' +
      '  - run `npm start` in another terminal (the CLI then uses its local Azurite), or\n' +
      '  - set SCIM_STORAGE_CONNECTION_STRING (e.g. Azurite), or\n' +
      '  - set SCIM_TABLE_ENDPOINT=https://<account>.table.core.windows.net after `az login` (needs the Storage Table Data Contributor role).\n' +
      'SCIM_TABLE_NAME selects the table (default "scim").',
  );
}

/** Names the storage without its secret (never prints an account key). */
function describeStorage(config: StorageConfig): string {
  if (config.tableEndpoint) return `${config.tableEndpoint} (table ${config.tableName})`;
  const endpoint = /TableEndpoint=([^;]+)/i.exec(config.connectionString ?? '')?.[1];
  const account = /AccountName=([^;]+)/i.exec(config.connectionString ?? '')?.[1];
  return `${endpoint ?? `account ${account ?? '(development storage)'}`} (table ${config.tableName})`;
}

/** The nearest folder above this module holding host.json (the project root, for .local/). */
function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'host.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
