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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    maxBodyBytes: intSetting(env, 'SCIM_MAX_BODY_BYTES', 1_048_576),
    defaultPageSize: intSetting(env, 'SCIM_DEFAULT_PAGE_SIZE', 100),
    maxPageSize: intSetting(env, 'SCIM_MAX_PAGE_SIZE', 1000),
    maxPatchOperations: intSetting(env, 'SCIM_MAX_PATCH_OPERATIONS', 1000),
    // 16: with the member ids resolved by point reads, the costliest request of this size (untyped group ids already
    // members: 1 group read + 2 reads per id + a transaction + a presence read per id + its retry) is about 50 calls.
    maxMembersPerPatch: intSetting(env, 'SCIM_MAX_MEMBERS_PER_PATCH', 16),
    strictSchema: /^(1|true|yes)$/i.test(env.SCIM_STRICT_SCHEMA ?? ''),
  };
}
