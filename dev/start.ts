// `npm start`: the local development stack. Starts Azurite (data under .azurite/, kept across restarts) unless a
// storage setting is given, creates the table, and serves the function registrations on http://localhost:7071/scim/v2.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flushAllActivity } from '../lib/activity/activity-log.js';
import { checkScimToken } from '../lib/config.js';
import { getServices } from '../lib/services.js';
import { startAzurite, type Azurite } from './azurite.js';
import { projectRoot, startLocalHost } from './local-host.js';

function persistedSecret(file: string, envValue: string | undefined): string {
  if (envValue) return envValue;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const localDir = join(root, '.local');
  mkdirSync(localDir, { recursive: true });
  process.env.SCIM_TOKEN = persistedSecret(join(localDir, 'scim-token'), process.env.SCIM_TOKEN);
  checkScimToken();
  const adminKey = persistedSecret(join(localDir, 'admin-key'), process.env.SCIM_LOCAL_ADMIN_KEY);
  // The app checks admin routes against it itself (lib/auth/admin-access.ts), as it must under `func start`.
  process.env.SCIM_LOCAL_ADMIN_KEY = adminKey;

  let azurite: Azurite | undefined;
  if (!process.env.SCIM_STORAGE_CONNECTION_STRING && !process.env.SCIM_TABLE_ENDPOINT) {
    azurite = await startAzurite({ location: process.env.SCIM_DATA_DIR || join(root, '.azurite'), queue: true });
    process.env.SCIM_STORAGE_CONNECTION_STRING = azurite.connectionString;
    // `npm run tenants` reads it while this Azurite runs (see tools/tenants-cli.ts).
    writeFileSync(join(localDir, 'storage-connection'), azurite.connectionString + '\n', { mode: 0o600 });
    // Event delivery to Storage Queues, and a local queue consumer (docs/events.md), use Azurite's Queue service.
    process.env.SCIM_QUEUE_CONNECTION_STRING ||= azurite.queueConnectionString;
    writeFileSync(join(localDir, 'queue-connection'), azurite.queueConnectionString + '\n', { mode: 0o600 });
    console.log(`Azurite (Table) on 127.0.0.1:${azurite.port}, (Queue) on 127.0.0.1:${azurite.queuePort}, data in .azurite/`);
  }
  // Local development delivers webhooks to receivers on this machine (never set in Azure; see docs/events.md).
  process.env.SCIM_WEBHOOKS_ALLOW_LOOPBACK ??= 'true';
  await (await getServices()).repository.ready();

  const port = Number(process.env.PORT || 7071);
  const host = await startLocalHost({
    port,
    host: process.env.HOST || '127.0.0.1',
    adminKey,
    log: (level, message) => {
      if (level === 'error' || level === 'warning' || process.env.SCIM_LOG_REQUESTS !== 'false') console.log(message);
    },
  });
  const baseUrl = host.baseUrl.replace('127.0.0.1', 'localhost');
  console.log(`\nSCIM endpoint (Tenant URL): ${baseUrl}`);
  console.log(`Secret token:               ${process.env.SCIM_TOKEN}`);
  console.log(`Admin key (x-functions-key): ${adminKey}`);
  console.log(`Console (sign in with the admin key): ${baseUrl}/manage/console`);
  console.log(`\nTry: curl -H 'Authorization: Bearer ${process.env.SCIM_TOKEN}' '${baseUrl}/Users?filter=userName%20eq%20%22nobody%22'`);
  console.log(`Tenants: npm run --silent tenants -- create --name "Contoso"   (or POST ${baseUrl}/manage/tenants with x-functions-key)`);
  console.log('Stop with Ctrl+C.');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await host.close();
    await flushAllActivity();
    if (azurite) {
      rmSync(join(localDir, 'storage-connection'), { force: true });
      rmSync(join(localDir, 'queue-connection'), { force: true });
    }
    await azurite?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
