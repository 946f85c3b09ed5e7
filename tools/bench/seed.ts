// Seeds users straight through the repository (the same create path as POST /Users, without HTTP), with bounded
// concurrency, for the lookup and large-group benchmarks.
import { DEFAULT_TENANT } from '../../lib/auth/authenticate.js';
import { loadConfig } from '../../lib/config.js';
import { createResource, type TenantScope } from '../../lib/scim/resource-service.js';
import { userCreateBody } from '../simulator/engine.js';
import type { GraphUser } from '../simulator/directory.js';
import { defaultMappingConfig, Mappings } from '../simulator/mapping.js';
import { createTableClient } from '../../lib/store/table-client.js';
import { TableRepository } from '../../lib/store/table-repository.js';
import { forEachLimit } from './measure.js';

export interface Seeder {
  scope: TenantScope;
  /** userName and SCIM id of every user seeded so far, in order. */
  seeded: { userName: string; id: string }[];
  /** Seeds users[from..to) and returns the time taken (ms). */
  seed(users: GraphUser[], concurrency: number, onProgress?: (done: number) => void): Promise<number>;
}

export async function createSeeder(env: Record<string, string>): Promise<Seeder> {
  // Seeding is set-up, not a measurement: on a loaded machine a batch may wait on Azurite longer than the host's 8 s.
  process.env.SCIM_STORAGE_TIMEOUT_MS ??= '60000';
  const client = await createTableClient({ connectionString: env.SCIM_STORAGE_CONNECTION_STRING, tableName: env.SCIM_TABLE_NAME });
  const repository = new TableRepository(client);
  await repository.ready();
  const scope: TenantScope = { tenant: DEFAULT_TENANT, repository, config: loadConfig(env) };
  const mappings = new Mappings(defaultMappingConfig());
  const seeded: { userName: string; id: string }[] = [];
  return {
    scope,
    seeded,
    async seed(users, concurrency, onProgress) {
      const started = performance.now();
      let done = 0;
      await forEachLimit(users, concurrency, async (user) => {
        const values = mappings.user.map({ ...user, IsSoftDeleted: false }).values;
        const stored = await createResource(scope, 'User', userCreateBody(mappings, values));
        seeded.push({ userName: user.userPrincipalName, id: stored.id });
        done++;
        if (onProgress && done % 1000 === 0) onProgress(done);
      });
      return performance.now() - started;
    },
  };
}
