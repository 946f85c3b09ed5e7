// The real HTTP surface for integration tests: the local host serving the function registrations, backed by the
// run's Azurite, with a table of its own per test file so files never see each other's data.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import { readReply, type Reply } from './reply.js';

export interface Stack {
  host: LocalHost;
  baseUrl: string;
  token: string;
  tableName: string;
  /** fetch relative to the SCIM base URL with the bearer token and a SCIM JSON body. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply>;
  close(): Promise<void>;
}

export type ScimReply = Reply;

export async function startStack(env: Record<string, string> = {}, options: { timers?: boolean } = {}): Promise<Stack> {
  const token = randomBytes(32).toString('base64url');
  const tableName = `t${randomBytes(6).toString('hex')}`;
  // Test files may share a worker process: start from a clean SCIM_* environment every time.
  for (const key of Object.keys(process.env)) if (key.startsWith('SCIM_')) delete process.env[key];
  Object.assign(process.env, {
    SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
    SCIM_TABLE_NAME: tableName,
    SCIM_TOKEN: token,
    // The app's own check of the admin routes (lib/auth/admin-access.ts); the same key the local host checks.
    SCIM_LOCAL_ADMIN_KEY: 'test-admin-key',
    // Every test request comes from 127.0.0.1, and many tests send bad credentials on purpose: the per-address limit
    // of failed authentications is tested on its own (test/hardening/abuse.test.ts).
    SCIM_AUTH_FAILURES_PER_MINUTE: 'off',
    ...env,
  });
  const host = await startLocalHost({ adminKey: 'test-admin-key', timers: options.timers });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimReply> => {
    const init: RequestInit = {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
    };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    return readReply(await fetch(`${host.baseUrl}${path}`, init));
  };
  return { host, baseUrl: host.baseUrl, token, tableName, call, close: () => host.close() };
}

/** The create body Entra ID sends for a user (default mapping plus the Looop extension), as on the wire. */
export function entraUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: userName.split('@')[0],
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Jo Young', familyName: 'Young', givenName: 'Jo' },
    roles: [],
    title: null,
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales', employeeNumber: '1042' },
    'urn:ietf:params:scim:schemas:extension:Looop:2.0:User': {
      area: 'EMEA',
      custom_1: 'c1',
      custom_2: 'c2',
      custom_3: 'c3',
      department: 'Sales',
      employee_id: 'E-1042',
      location: 'London',
      position: 'Account Executive',
      startAt: '2024-02-01',
    },
    ...extra,
  };
}
