// Settings of the change feed (app settings in Azure, the environment locally). All optional.
import { SettingsReader } from '../settings-reader.js';

export interface EventsConfig {
  /** Events older than this are deleted by bounded sweeps (SCIM_EVENTS_RETENTION_DAYS, default 7). */
  retentionDays: number;
  /** A retention sweep of a tenant runs at most this often per instance (SCIM_EVENTS_SWEEP_MINUTES, default 10). */
  sweepMinutes: number;
}

export function eventsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventsConfig {
  const r = new SettingsReader(env);
  return {
    retentionDays: r.number('SCIM_EVENTS_RETENTION_DAYS', 7),
    sweepMinutes: r.number('SCIM_EVENTS_SWEEP_MINUTES', 10),
  };
}
