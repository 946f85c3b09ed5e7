// Settings of the activity log (app settings in Azure, the environment locally). All optional.
export interface ActivityConfig {
  /** SCIM_ACTIVITY=off turns recording off (the admin API then reads whatever is stored). Default on. */
  enabled: boolean;
  /** Table holding the activity (SCIM_ACTIVITY_TABLE_NAME, default `<SCIM_TABLE_NAME>activity`, e.g. `scimactivity`). */
  tableName: string;
  /** Entries older than this are deleted by the retention sweep (SCIM_ACTIVITY_RETENTION_DAYS, default 30). */
  retentionDays: number;
  /** How long an entry may wait in memory before it is written (SCIM_ACTIVITY_FLUSH_MS, default 1000). */
  flushMs: number;
  /** Entries held in memory at most; beyond it new entries are dropped and counted (SCIM_ACTIVITY_QUEUE_MAX, default 10000). */
  queueMax: number;
  /** A retention sweep of a tenant runs at most this often per instance (SCIM_ACTIVITY_SWEEP_MINUTES, default 10). */
  sweepMinutes: number;
  /** "Last sync": the newest run of activity without a pause longer than this (SCIM_ACTIVITY_SYNC_GAP_MINUTES, default 10). */
  syncGapMinutes: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

export function activityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityConfig {
  const tableName = env.SCIM_ACTIVITY_TABLE_NAME || `${env.SCIM_TABLE_NAME || 'scim'}activity`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) {
    throw new Error(`SCIM_ACTIVITY_TABLE_NAME must be 3-63 letters and digits, starting with a letter (got "${tableName}")`);
  }
  return {
    enabled: !/^(0|false|no|off)$/i.test(env.SCIM_ACTIVITY ?? ''),
    tableName,
    retentionDays: positive(env, 'SCIM_ACTIVITY_RETENTION_DAYS', 30),
    flushMs: positive(env, 'SCIM_ACTIVITY_FLUSH_MS', 1000),
    queueMax: Math.floor(positive(env, 'SCIM_ACTIVITY_QUEUE_MAX', 10_000)),
    sweepMinutes: positive(env, 'SCIM_ACTIVITY_SWEEP_MINUTES', 10),
    syncGapMinutes: positive(env, 'SCIM_ACTIVITY_SYNC_GAP_MINUTES', 10),
  };
}
