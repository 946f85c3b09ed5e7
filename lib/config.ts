// Service settings read from the environment (app settings in Azure, local.settings.json under `func start`).
import { activityConfigFromEnv, type ActivityConfig } from './activity/config.js';
import { adminAccessFromEnv, type AdminAccessSettings } from './auth/admin-access.js';
import { authCacheSeconds } from './auth/credential-cache.js';
import { jwtSettingsFromEnv, type JwtSettings } from './auth/entra-jwt.js';
import { oauthSettingsFromEnv, type OAuthSettings } from './auth/oauth/config.js';
import { authFailuresPerMinute, defaultRequestsPerMinute } from './auth/rate-limit.js';
import { deliveryConfigFromEnv, type DeliveryConfig } from './delivery/config.js';
import { eventsConfigFromEnv, type EventsConfig } from './events/config.js';
import { SettingsReader } from './settings-reader.js';
import { storageConfigFromEnv, type StorageConfig } from './store/table-client.js';
import { operationTimeoutMs } from './store/table-ops.js';

export interface ServiceConfig {
  /** Maximum request body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Page size when the client sends no `count`, and the largest page served. */
  defaultPageSize: number;
  maxPageSize: number;
  /** Maximum operations in one PATCH request. */
  maxPatchOperations: number;
  /** Maximum members added or removed by one PATCH request. */
  maxMembersPerPatch: number;
  /** Group members one list page (GET /Groups, .search) renders in total; beyond it the page answers 400 tooMany. */
  maxListMembers: number;
  /** Reject attributes the schemas do not define (default: drop them silently, as Entra sends extras). */
  strictSchema: boolean;
}

/** The placeholder local.settings.json.example carries for SCIM_TOKEN: a copied example must not become a credential. */
export const EXAMPLE_SCIM_TOKEN = 'replace-with-a-long-random-token';
export const MIN_SCIM_TOKEN_LENGTH = 32;

/** SCIM_TOKEN, when set, must be a real secret: at least 32 characters and not the example's placeholder. */
export function checkScimToken(env: NodeJS.ProcessEnv = process.env): void {
  const token = new SettingsReader(env).text('SCIM_TOKEN');
  if (token === undefined || token === '') return;
  if (token === EXAMPLE_SCIM_TOKEN) throw new Error('SCIM_TOKEN is still the example placeholder; set a long random token (npm start generates one).');
  if (token.length < MIN_SCIM_TOKEN_LENGTH) throw new Error(`SCIM_TOKEN must be at least ${MIN_SCIM_TOKEN_LENGTH} characters (got ${token.length}).`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  checkScimToken(env);
  const r = new SettingsReader(env);
  return {
    maxBodyBytes: r.int('SCIM_MAX_BODY_BYTES', 1_048_576),
    defaultPageSize: r.int('SCIM_DEFAULT_PAGE_SIZE', 100),
    maxPageSize: r.int('SCIM_MAX_PAGE_SIZE', 1000),
    maxPatchOperations: r.int('SCIM_MAX_PATCH_OPERATIONS', 1000),
    // 16: with the member ids resolved by point reads, the costliest request of this size (untyped group ids already
    // members: 1 group read + 2 reads per id + a transaction + a presence read per id + its retry) is about 50 calls.
    maxMembersPerPatch: r.int('SCIM_MAX_MEMBERS_PER_PATCH', 100),
    maxListMembers: r.int('SCIM_MAX_LIST_MEMBERS', 10_000),
    strictSchema: r.flag('SCIM_STRICT_SCHEMA'),
  };
}

/** Every setting of the service, read and checked together. */
export interface Settings {
  service: ServiceConfig;
  storage: StorageConfig;
  storageTimeoutMs: number;
  authCacheSeconds: number;
  authFailuresPerMinute: number | undefined;
  tenantRequestsPerMinute: number | undefined;
  jwt: JwtSettings;
  admin: AdminAccessSettings;
  oauth: OAuthSettings;
  activity: ActivityConfig;
  events: EventsConfig;
  delivery: DeliveryConfig;
}

/**
 * Reads every SCIM_* setting once and checks it: the Functions worker calls this when the app's functions register,
 * the local host when it starts, so a malformed value stops startup with a message naming it instead of failing
 * requests. Each room keeps the parser of its own settings beside the code that uses them; this is their one caller
 * at startup.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    service: loadConfig(env),
    storage: storageConfigFromEnv(env),
    storageTimeoutMs: operationTimeoutMs(env),
    authCacheSeconds: authCacheSeconds(env),
    authFailuresPerMinute: authFailuresPerMinute(env),
    tenantRequestsPerMinute: defaultRequestsPerMinute(env),
    jwt: jwtSettingsFromEnv(env),
    admin: adminAccessFromEnv(env),
    oauth: oauthSettingsFromEnv(env),
    activity: activityConfigFromEnv(env),
    events: eventsConfigFromEnv(env),
    delivery: deliveryConfigFromEnv(env),
  };
}
