// Settings of event delivery (webhooks and Storage Queues). All optional; a malformed value throws naming the setting.
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

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false (got "${raw}")`);
}

function schedule(env: NodeJS.ProcessEnv): number[] {
  const raw = env.SCIM_DELIVERY_RETRY_SCHEDULE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_SCHEDULE;
  const steps = raw.split(',').map((s) => Number(s.trim()));
  if (steps.length > 50 || steps.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`SCIM_DELIVERY_RETRY_SCHEDULE must be 1 to 50 comma-separated positive numbers of seconds (got "${raw}")`);
  }
  return steps;
}

export function deliveryConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  const tableName = env.SCIM_DELIVERY_TABLE_NAME || `${env.SCIM_TABLE_NAME || 'scim'}delivery`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) {
    throw new Error(`SCIM_DELIVERY_TABLE_NAME must be 3-63 letters and digits, starting with a letter (got "${tableName}")`);
  }
  const queueEndpoint = env.SCIM_QUEUE_ENDPOINT || undefined;
  if (queueEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(queueEndpoint)) {
    throw new Error(`SCIM_QUEUE_ENDPOINT must be https://<account>.queue.core.windows.net (got "${queueEndpoint}")`);
  }
  return {
    tableName,
    allowLoopback: flag(env, 'SCIM_WEBHOOKS_ALLOW_LOOPBACK'),
    retrySchedule: schedule(env),
    leaseSeconds: positive(env, 'SCIM_DELIVERY_LEASE_SECONDS', 30),
    retentionDays: positive(env, 'SCIM_DELIVERY_RETENTION_DAYS', 7),
    queueConnectionString: env.SCIM_QUEUE_CONNECTION_STRING || undefined,
    queueEndpoint,
  };
}
