// Settings of the change feed (app settings in Azure, the environment locally). All optional.
export interface EventsConfig {
  /** Events older than this are deleted by bounded sweeps (SCIM_EVENTS_RETENTION_DAYS, default 7). */
  retentionDays: number;
  /** A retention sweep of a tenant runs at most this often per instance (SCIM_EVENTS_SWEEP_MINUTES, default 10). */
  sweepMinutes: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

export function eventsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventsConfig {
  return {
    retentionDays: positive(env, 'SCIM_EVENTS_RETENTION_DAYS', 7),
    sweepMinutes: positive(env, 'SCIM_EVENTS_SWEEP_MINUTES', 10),
  };
}
