// The process-wide services a function invocation needs, built once from configuration on first use.
import { ActivityLog } from './activity/activity-log.js';
import { createActivityStore } from './activity/activity-store.js';
import { activityConfigFromEnv } from './activity/config.js';
import { loadConfig, type ServiceConfig } from './config.js';
import { eventsConfigFromEnv } from './events/config.js';
import { EventFeed } from './events/feed.js';
import { OAuthStore } from './store/oauth-store.js';
import type { ResourceRepository } from './store/repository.js';
import { createTableClient, storageConfigFromEnv } from './store/table-client.js';
import { TableOps } from './store/table-ops.js';
import { TableRepository } from './store/table-repository.js';
import { TenantStore } from './store/tenant-store.js';

export interface Services {
  config: ServiceConfig;
  repository: ResourceRepository;
  /** Tenants and their credentials (reserved partition; see tenant-store.ts). */
  tenants: TenantStore;
  /** OAuth clients and access tokens (same reserved partition; see oauth-store.ts). */
  oauth: OAuthStore;
  /** The per-tenant activity log (its own table; written in the background, see lib/activity/activity-log.ts). */
  activity: ActivityLog;
  /** The change feed: events written with each change, read by cursor (see lib/events/feed.ts). */
  events: EventFeed;
}

let services: Promise<Services> | undefined;

export function getServices(): Promise<Services> {
  services ??= (async () => {
    const client = await createTableClient(storageConfigFromEnv());
    const activityConfig = activityConfigFromEnv();
    const activity = new ActivityLog(await createActivityStore(activityConfig.tableName), activityConfig);
    const table = new TableOps(client);
    const events = new EventFeed(table, eventsConfigFromEnv());
    const repository = new TableRepository(table, (tenant) => events.maybeSweep(tenant));
    return { config: loadConfig(), repository, tenants: new TenantStore(table), oauth: new OAuthStore(table), activity, events };
  })();
  return services;
}
