// The benchmark's local stack: an in-memory Azurite and the SCIM host (tools/bench/host.js) as a child process on
// free ports, with an IPC client for the host's storage-call counter and memory.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { startAzurite, stopChild, type Azurite } from '../../dev/azurite.js';
import type { HostStats, WatchResult } from './host.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface BenchHost {
  baseUrl: string;
  token: string;
  tableName: string;
  stats(): Promise<HostStats>;
  watchStart(): Promise<void>;
  watchStop(): Promise<WatchResult>;
  stop(): Promise<void>;
}

export interface BenchStack {
  azurite: Azurite;
  host: BenchHost;
  /** The same env the host got (the parent seeds through the repository with it). */
  env: Record<string, string>;
  table(name: string): TableClient;
  stop(): Promise<void>;
}

export async function spawnHost(env: Record<string, string>): Promise<BenchHost> {
  const child: ChildProcess = fork(join(here, 'host.js'), [], {
    env: { ...process.env, ...env },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`The benchmark host exited during start-up (code ${code}).`));
    child.once('exit', onExit);
    child.on('message', (message: { type?: string; baseUrl?: string; id?: number; result?: unknown }) => {
      if (message.type === 'ready' && message.baseUrl) {
        child.off('exit', onExit);
        resolve(message.baseUrl);
      } else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    });
  });
  const call = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null) {
        reject(new Error('The benchmark host is not running.'));
        return;
      }
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, type });
    });
  return {
    baseUrl,
    token: env.SCIM_TOKEN,
    tableName: env.SCIM_TABLE_NAME,
    stats: () => call<HostStats>('stats'),
    watchStart: () => call<void>('watch-start'),
    watchStop: () => call<WatchResult>('watch-stop'),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ id: nextId++, type: 'stop' });
      const timer = setTimeout(() => void stopChild(child), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts Azurite (in memory) and the host on free ports, with a fresh table and token. */
export async function startBenchStack(): Promise<BenchStack> {
  const azurite = await startAzurite({ queue: true });
  const env: Record<string, string> = {
    SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    // Event delivery is measured during the Entra cycle: a loopback webhook and an Azurite queue (tools/bench/delivery.ts).
    SCIM_QUEUE_CONNECTION_STRING: azurite.queueConnectionString ?? '',
    SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true',
    SCIM_LOCAL_ADMIN_KEY: randomBytes(24).toString('base64url'),
    SCIM_TOKEN: randomBytes(24).toString('base64url'),
    SCIM_TABLE_NAME: `bench${randomBytes(4).toString('hex')}`,
    SCIM_TENANT_REQUESTS_PER_MINUTE: 'off',
    SCIM_LOG_REQUESTS: 'false',
  };
  let host: BenchHost;
  try {
    host = await spawnHost(env);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  return {
    azurite,
    host,
    env,
    table: (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }),
    stop: async () => {
      await host.stop();
      await azurite.stop();
    },
  };
}
