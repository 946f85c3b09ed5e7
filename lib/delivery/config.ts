// Settings of event delivery (webhooks and Storage Queues). All optional; a malformed value throws naming the setting.
import { SettingsReader } from '../settings-reader.js';

export interface DeliveryConfig {
  /** Subscriptions, delivery state and records (SCIM_DELIVERY_TABLE_NAME, default `<SCIM_TABLE_NAME>delivery`). */
  tableName: string;
  /** SCIM_WEBHOOKS_ALLOW_LOOPBACK=true: http(s)://127.0.0.1 / localhost / [::1] targets allowed (local development only). */
  allowLoopback: boolean;
  /**
   * Seconds to wait before each retry (SCIM_DELIVERY_RETRY_SCHEDULE, comma-separated). After the last one fails the
   * delivery is `failed`. The default (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) retries for 27.6 hours.
   */
  retrySchedule: number[];
  /** A stream's lease: how long an instance that stopped answering keeps it (SCIM_DELIVERY_LEASE_SECONDS, default 30). */
  leaseSeconds: number;
  /** Delivery records older than this are removed by bounded sweeps (SCIM_DELIVERY_RETENTION_DAYS, default 7). */
  retentionDays: number;
  /** Storage Queues: a connection string (SCIM_QUEUE_CONNECTION_STRING: Azurite, or an account key) ... */
  queueConnectionString?: string;
  /** ... or the account's queue endpoint reached with the managed identity (SCIM_QUEUE_ENDPOINT: Azure). */
  queueEndpoint?: string;
}

export const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

function schedule(r: SettingsReader): number[] {
  const raw = r.text('SCIM_DELIVERY_RETRY_SCHEDULE');
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_SCHEDULE;
  const steps = raw.split(',').map((s) => Number(s.trim()));
  if (steps.length > 50 || steps.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`SCIM_DELIVERY_RETRY_SCHEDULE must be 1 to 50 comma-separated positive numbers of seconds (got "${raw}")`);
  }
  return steps;
}

export function deliveryConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  const r = new SettingsReader(env);
  const tableName = r.tableName('SCIM_DELIVERY_TABLE_NAME', `${r.text('SCIM_TABLE_NAME') ?? 'scim'}delivery`);
  const queueEndpoint = r.text('SCIM_QUEUE_ENDPOINT');
  if (queueEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(queueEndpoint)) {
    throw new Error(`SCIM_QUEUE_ENDPOINT must be https://<account>.queue.core.windows.net (got "${queueEndpoint}")`);
  }
  return {
    tableName,
    allowLoopback: r.flag('SCIM_WEBHOOKS_ALLOW_LOOPBACK'),
    retrySchedule: schedule(r),
    leaseSeconds: r.number('SCIM_DELIVERY_LEASE_SECONDS', 30),
    retentionDays: r.number('SCIM_DELIVERY_RETENTION_DAYS', 7),
    queueConnectionString: r.text('SCIM_QUEUE_CONNECTION_STRING'),
    queueEndpoint,
  };
}
