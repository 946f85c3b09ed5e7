// Shared helpers for the infra tests: a sandbox for running the deploy scripts against the fake az / npm / tenants
// CLI (test/infra/fixtures/bin), and the tree-sitter Bicep parser.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import { Language, Parser, type Node } from 'web-tree-sitter';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');
export const FIXTURES = join(REPO_ROOT, 'test', 'infra', 'fixtures');
export const FAKE_BIN = join(FIXTURES, 'bin');

// ------------------------------------------------------------------------------------------------ Bicep parsing

let parserPromise: Promise<Parser> | undefined;

/** tree-sitter-bicep (WASM build shipped in the npm package) loaded into web-tree-sitter; no native build needed. */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  })();
  return parserPromise;
}

export function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.children) if (child) walk(child, visit);
}

/** ERROR and MISSING nodes, as "line:column text". */
export function syntaxErrors(root: Node): Array<{ node: Node; where: string }> {
  const found: Array<{ node: Node; where: string }> = [];
  walk(root, (n) => {
    if (n.type === 'ERROR' || n.isMissing) {
      found.push({ node: n, where: `${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.type} ${JSON.stringify(n.text.slice(0, 80))}` });
    }
  });
  return found;
}

export function listFiles(dir: string, predicate: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, predicate));
    else if (predicate(full)) out.push(full);
  }
  return out.sort();
}

// ------------------------------------------------------------------------------------------------ script sandbox

export interface Call {
  tool: 'az' | 'npm' | 'tenants';
  argv: string[];
  stdin?: string | null;
  cwd?: string;
  method?: string;
  url?: string;
  env?: Record<string, string | undefined>;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
  calls: Call[];
}

export interface FakeState {
  [key: string]: unknown;
  tokens?: Array<{ tenantId: string; token: string; expiresAt: number | null }>;
  oauthClients?: Array<{ tenantId: string; clientId: string; clientSecret: string; name: string }>;
  tenants?: Array<{ tenantId: string; name: string }>;
}

export const MAIN_OUTPUTS = {
  AZURE_FUNCTION_APP_NAME: 'func-scim-abc123',
  AZURE_STORAGE_ACCOUNT_NAME: 'stabc123',
  SCIM_BASE_URL: 'https://func-scim-abc123.azurewebsites.net/scim/v2',
  SCIM_TABLE_ENDPOINT: 'https://stabc123.table.core.windows.net',
  SCIM_TABLE_NAME: 'scim',
};

/**
 * A throwaway copy of the repository's infra/ next to a minimal app (package.json, lockfile, host.json), a fake
 * cloud state file and a call log. Scripts run with the fakes first on PATH and no network.
 */
export class Sandbox {
  private static all: Sandbox[] = [];

  /** Removes every sandbox made so far (call from afterAll). */
  static disposeAll(): void {
    for (const box of Sandbox.all.splice(0)) rmSync(box.root, { recursive: true, force: true });
  }

  readonly root = mkdtempSync(join(tmpdir(), 'scim-infra-'));
  readonly repo = join(this.root, 'repo');
  readonly tmp = join(this.root, 'tmp');
  readonly statePath = join(this.root, 'state.json');
  readonly logPath = join(this.root, 'calls.jsonl');
  private logOffset = 0;

  constructor(overrides: Partial<FakeState> = {}) {
    Sandbox.all.push(this);
    mkdirSync(this.tmp, { recursive: true });
    cpSync(INFRA_DIR, join(this.repo, 'infra'), { recursive: true });
    writeFileSync(join(this.repo, 'package.json'), '{"name":"scim-functions","type":"module","main":"dist/app/main.js"}\n');
    writeFileSync(join(this.repo, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    writeFileSync(join(this.repo, 'host.json'), '{"version":"2.0","extensions":{"http":{"routePrefix":"scim/v2"}}}\n');
    writeFileSync(join(this.repo, 'README.md'), 'not part of the package\n');
    writeFileSync(this.logPath, '');
    this.writeState({
      loggedIn: true,
      account: { id: 'sub-0001', tenantId: 'entra-0001', user: { name: 'ops@contoso.example', type: 'user' } },
      me: { id: 'deployer-oid-0001' },
      groups: {},
      deployments: {},
      servicePrincipals: [],
      applications: [],
      jobs: {},
      schemas: {},
      secrets: {},
      assignments: {},
      mainOutputs: MAIN_OUTPUTS,
      ...overrides,
    });
  }

  state(): FakeState {
    return JSON.parse(readFileSync(this.statePath, 'utf8')) as FakeState;
  }

  writeState(state: FakeState): void {
    writeFileSync(this.statePath, JSON.stringify(state, null, 1));
  }

  patchState(patch: Partial<FakeState>): void {
    this.writeState({ ...this.state(), ...patch });
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${FAKE_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.root,
      TMPDIR: this.tmp,
      LANG: 'C.UTF-8',
      FAKE_AZ_STATE: this.statePath,
      FAKE_AZ_LOG: this.logPath,
      SCIM_TENANTS_CMD: join(FAKE_BIN, 'tenants'),
      SCIM_RETRY_DELAY: '0',
      ...extra,
    };
  }

  /** Runs infra/<script> with bash; returns its output and the calls it made (only those of this run). */
  run(script: string, args: string[], options: { env?: Record<string, string>; pathOverride?: string } = {}): RunResult {
    const env = this.env(options.env);
    if (options.pathOverride !== undefined) env.PATH = options.pathOverride;
    const result = spawnSync('bash', [join(this.repo, 'infra', script), ...args], {
      cwd: this.repo,
      env,
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    });
    const log = readFileSync(this.logPath, 'utf8');
    const fresh = log.slice(this.logOffset);
    this.logOffset = log.length;
    const calls = fresh
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Call);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr, calls };
  }

  /** Every file the run left in the sandbox, except the fake cloud's own state, log and received package. */
  leftoverFiles(): string[] {
    return listFiles(this.root, (f) => ![this.statePath, this.logPath, join(this.root, 'deployed.zip')].includes(f)).map((f) =>
      relative(this.root, f),
    );
  }
}

/** Short description of a call for order assertions, e.g. "az group create", "az POST /servicePrincipals/x/...". */
export function describeCall(c: Call): string {
  if (c.tool === 'az' && c.method && c.url) {
    const u = new URL(c.url);
    return `az ${c.method} ${decodeURIComponent(u.pathname.replace(/^\/v1\.0/, '')).replace(/\/(sp|app-object)-\d+/g, '/$1').replace(/scim\.[0-9a-f]{32}/, '{job}')}`;
  }
  const firstOption = c.argv.findIndex((a) => a.startsWith('-'));
  const words = (firstOption < 0 ? c.argv : c.argv.slice(0, firstOption)).slice(0, c.tool === 'az' ? 3 : 2);
  return `${c.tool} ${words.join(' ')}`;
}

// ------------------------------------------------------------------------------------------------ zip reading

/** Names and contents of the entries in a zip file (stored or deflated), read from its central directory. */
export function readZip(file: string): Map<string, Buffer> {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    if (!name.endsWith('/')) entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

// ------------------------------------------------------------------------------------------------ assertions

/** Every token the fake tenants CLI has issued so far. */
export const tokens = (box: Sandbox) => [...(box.state().tokens ?? []).map((t) => t.token), ...(box.state().oauthClients ?? []).map((c) => c.clientSecret)];

export function expectNoSecrets(box: Sandbox, run: { output: string; calls: Call[] }) {
  const secrets = tokens(box);
  expect(secrets.length).toBeGreaterThan(0);
  for (const token of secrets) {
    expect(run.output).not.toContain(token);
    expect(run.output).not.toContain(token.slice(8, 24)); // not even a fragment
    for (const c of run.calls) expect(c.argv.join(' ')).not.toContain(token);
  }
  // Nothing left behind: the build/package folder is removed, and no file anywhere holds a token.
  expect(readdirSync(box.tmp)).toEqual([]);
  for (const f of box.leftoverFiles()) {
    const text = readFileSync(join(box.root, f), 'latin1');
    for (const token of secrets) expect(text, f).not.toContain(token);
  }
}

export function graphCalls(calls: Call[], method: string, pathPattern: RegExp): Call[] {
  return calls.filter((c) => c.method === method && c.url && pathPattern.test(new URL(c.url).pathname));
}

