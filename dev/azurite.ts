// Starts Azurite's Table service (an npm dev dependency) as a child process for local runs, tests and benchmarks, and
// on request its Queue service too (a second child process: event delivery to Storage Queues, see lib/delivery/).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';

export interface AzuriteOptions {
  /** Folder for on-disk persistence; in-memory when absent. */
  location?: string;
  port?: number;
  /** Also start the Queue service (on `queuePort`, or a free port). */
  queue?: boolean;
  queuePort?: number;
}

export interface Azurite {
  port: number;
  connectionString: string;
  process: ChildProcess;
  /** Set when the Queue service was asked for. */
  queuePort?: number;
  queueConnectionString?: string;
  /** SIGINT: Azurite flushes its on-disk data on SIGINT; SIGTERM loses the last seconds of writes. */
  stop(): Promise<void>;
}

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft; not a secret).
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}

export function azuriteQueueConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Azurite did not open port ${port} within ${timeoutMs} ms`);
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const port = options.port ?? (await freePort());
  const table = await startService('table', port, options.location);
  if (!options.queue) {
    return { port, connectionString: azuriteConnectionString(port), process: table, stop: () => stopChild(table) };
  }
  const queuePort = options.queuePort ?? (await freePort());
  let queue: ChildProcess;
  try {
    queue = await startService('queue', queuePort, options.location);
  } catch (error) {
    await stopChild(table);
    throw error;
  }
  return {
    port,
    connectionString: azuriteConnectionString(port),
    process: table,
    queuePort,
    queueConnectionString: azuriteQueueConnectionString(queuePort),
    stop: async () => {
      await Promise.all([stopChild(table), stopChild(queue)]);
    },
  };
}

async function startService(service: 'table' | 'queue', port: number, location: string | undefined): Promise<ChildProcess> {
  const script = createRequire(import.meta.url).resolve(`azurite/dist/src/${service}/main.js`);
  const args = [script, `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port), '--disableTelemetry', '--skipApiVersionCheck', '--silent'];
  if (location) {
    mkdirSync(location, { recursive: true });
    args.push('--location', location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Azurite (${service}): ${(error as Error).message}\n${stderr}`);
  }
  return child;
}

export function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}
