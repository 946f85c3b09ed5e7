// Service settings read from the environment (app settings in Azure, local.settings.json under `func start`).
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

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return n;
}

/** The placeholder local.settings.json.example carries for SCIM_TOKEN: a copied example must not become a credential. */
export const EXAMPLE_SCIM_TOKEN = 'replace-with-a-long-random-token';
export const MIN_SCIM_TOKEN_LENGTH = 32;

/** SCIM_TOKEN, when set, must be a real secret: at least 32 characters and not the example's placeholder. */
export function checkScimToken(env: NodeJS.ProcessEnv = process.env): void {
  const token = env.SCIM_TOKEN;
  if (token === undefined || token === '') return;
  if (token === EXAMPLE_SCIM_TOKEN) throw new Error('SCIM_TOKEN is still the example placeholder; set a long random token (npm start generates one).');
  if (token.length < MIN_SCIM_TOKEN_LENGTH) throw new Error(`SCIM_TOKEN must be at least ${MIN_SCIM_TOKEN_LENGTH} characters (got ${token.length}).`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  checkScimToken(env);
  return {
    maxBodyBytes: intSetting(env, 'SCIM_MAX_BODY_BYTES', 1_048_576),
    defaultPageSize: intSetting(env, 'SCIM_DEFAULT_PAGE_SIZE', 100),
    maxPageSize: intSetting(env, 'SCIM_MAX_PAGE_SIZE', 1000),
    maxPatchOperations: intSetting(env, 'SCIM_MAX_PATCH_OPERATIONS', 1000),
    // 16: with the member ids resolved by point reads, the costliest request of this size (untyped group ids already
    // members: 1 group read + 2 reads per id + a transaction + a presence read per id + its retry) is about 50 calls.
    maxMembersPerPatch: intSetting(env, 'SCIM_MAX_MEMBERS_PER_PATCH', 16),
    maxListMembers: intSetting(env, 'SCIM_MAX_LIST_MEMBERS', 10_000),
    strictSchema: /^(1|true|yes)$/i.test(env.SCIM_STRICT_SCHEMA ?? ''),
  };
}
