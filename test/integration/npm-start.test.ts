// `npm start` as a developer runs it: the built bundle (ES modules with the CommonJS @azure/functions inside), Azurite
// on disk, a clean SIGINT shutdown — and the users are still there after a restart.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { QueueServiceClient } from '@azure/storage-queue';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopChild } from '../../dev/azurite.js';
import { entraUser } from '../helpers/stack.js';

const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'scim-start-'));
const token = 'npm-start-test-token-0123456789abcdef';
let port: number;

beforeAll(() => {
  // What `npm run build` does: the TypeScript compile, then the bundle `npm start` runs (tools/bundle.ts).
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'dist', 'tools', 'bundle.js')], { cwd: root, stdio: 'inherit' });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', 'app', 'start.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), SCIM_TOKEN: token, SCIM_DATA_DIR: dataDir, SCIM_STORAGE_CONNECTION_STRING: '', SCIM_TABLE_ENDPOINT: '', SCIM_TABLE_NAME: 'scim' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Secret token')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}

const call = (method: string, path: string, body?: unknown) =>
  fetch(`http://127.0.0.1:${port}/scim/v2${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('npm start', () => {
  it('prints the base URL and token, serves the endpoint, and keeps users across a restart', async () => {
    port = await freePort();
    const first = await start();
    expect(first.output()).toContain(`http://localhost:${port}/scim/v2`);
    expect(first.output()).toContain(token);
    // Azurite's Queue service runs too, and its connection string is where a local queue consumer finds it.
    const queueConnection = readFileSync(join(root, '.local', 'queue-connection'), 'utf8').trim();
    expect(queueConnection).toMatch(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
    expect(await QueueServiceClient.fromConnectionString(queueConnection).getQueueClient('npm-start-check').createIfNotExists()).toBeTruthy();
    const created = await call('POST', '/Users', entraUser('persist@contoso.com'));
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    await stopChild(first.child);
    expect(first.child.exitCode).toBe(0);
    expect(existsSync(join(root, '.local', 'queue-connection'))).toBe(false);

    const second = await start();
    try {
      const got = await call('GET', `/Users/${id}`);
      expect(got.status).toBe(200);
      expect(((await got.json()) as { userName: string }).userName).toBe('persist@contoso.com');
    } finally {
      await stopChild(second.child);
    }
  }, 120_000);
});
