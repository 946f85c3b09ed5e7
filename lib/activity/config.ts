// Settings of the activity log (app settings in Azure, the environment locally). All optional.
import { SettingsReader } from '../settings-reader.js';

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

export function activityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityConfig {
  const r = new SettingsReader(env);
  return {
    enabled: r.flag('SCIM_ACTIVITY', true),
    tableName: r.tableName('SCIM_ACTIVITY_TABLE_NAME', `${r.text('SCIM_TABLE_NAME') ?? 'scim'}activity`),
    retentionDays: r.number('SCIM_ACTIVITY_RETENTION_DAYS', 30),
    flushMs: r.number('SCIM_ACTIVITY_FLUSH_MS', 1000),
    queueMax: Math.floor(r.number('SCIM_ACTIVITY_QUEUE_MAX', 10_000)),
    sweepMinutes: r.number('SCIM_ACTIVITY_SWEEP_MINUTES', 10),
    syncGapMinutes: r.number('SCIM_ACTIVITY_SYNC_GAP_MINUTES', 10),
  };
}
