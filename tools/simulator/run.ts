// One simulation run end to end: build the source directory, run the phases against the endpoint, return a report.
import { randomBytes, randomInt } from 'node:crypto';
import { generateChanges, type ChangeSummary } from './changes.js';
import { loadDirectory, memberIds, type Directory } from './directory.js';
import { Simulator, type Mismatch, type PhaseSummary, type ProgressEvent, type RequestError } from './engine.js';
import { ScimClient, type Exchange } from './http.js';
import { defaultMappingConfig, Mappings, type MappingConfig } from './mapping.js';
import type { PatchMode } from './patch-dialect.js';
import { generateDirectory } from './synthetic.js';

export const COMPLIANCE_FLAG = 'aadOptscim062020';

export type SourceOptions =
  | { kind: 'synthetic'; users: number; groups: number; members: number; seed?: number | string; tag?: string; domain?: string; disabledFraction?: number }
  | { kind: 'file'; file?: string; directory?: Directory; seed?: number | string };

export interface RunOptions {
  url: string;
  token: string;
  /** PATCH dialect; defaults to compliant when the URL carries ?aadOptscim062020, else default. */
  mode?: PatchMode;
  source: SourceOptions;
  mapping?: MappingConfig;
  concurrency?: number;
  /** Incremental cycles after the initial one (each with its own change set). */
  cycles?: number;
  changeRate?: number;
  memberBatch?: number;
  sendNulls?: boolean;
  testConnection?: boolean;
  verify?: boolean;
  cleanup?: boolean;
  timeoutMs?: number;
  maxRecorded?: number;
  onProgress?: (event: ProgressEvent) => void;
  onPhase?: (event: 'start' | 'end', phase: string) => Promise<void> | void;
  /** Every HTTP exchange (the CLI's --trace). */
  onExchange?: (exchange: Exchange) => void;
  /** Called with the simulator before it runs (tests and the benchmark reach its state through this). */
  onSimulator?: (simulator: Simulator) => void;
}

export interface SimulationReport {
  ok: boolean;
  target: { url: string; mode: PatchMode };
  source: { kind: 'synthetic' | 'file'; users: number; groups: number; memberships: number; disabled: number; seed: string; tag?: string; file?: string };
  options: { concurrency: number; cycles: number; changeRate: number; memberBatch: number; sendNulls: boolean };
  changeSets: ChangeSummary[];
  /** Users disabled in the source and absent from the target: not created (as Entra does). */
  skippedDisabled: number;
  /** Why the run stopped early (a failed test connection: Entra would not start provisioning either). */
  aborted?: string;
  totals: { requests: number; errors: number; mismatches: number; durationMs: number; requestsPerSecond: number; statuses: Record<string, number> };
  phases: PhaseSummary[];
  errors: RequestError[];
  mismatches: Mismatch[];
}

export function resolveMode(url: string, mode: PatchMode | undefined): PatchMode {
  if (mode) return mode;
  return new URL(url).searchParams.has(COMPLIANCE_FLAG) ? 'compliant' : 'default';
}

export async function buildSource(source: SourceOptions): Promise<{ directory: Directory; seed: string; tag?: string; domain?: string; groupSuffix?: string }> {
  if (source.kind === 'file') {
    const directory = source.directory ?? (source.file ? await loadDirectory(source.file) : undefined);
    if (!directory) throw new Error('A file source needs a file or a directory.');
    return { directory, seed: String(source.seed ?? randomInt(1, 2 ** 31)) };
  }
  const seed = String(source.seed ?? randomInt(1, 2 ** 31));
  const tag = source.tag ?? randomBytes(3).toString('hex');
  const domain = source.domain ?? `${tag}.example.com`;
  const directory = generateDirectory({ users: source.users, groups: source.groups, members: source.members, seed, domain, groupSuffix: tag, disabledFraction: source.disabledFraction });
  return { directory, seed, tag, domain, groupSuffix: tag };
}

export async function runSimulation(options: RunOptions): Promise<SimulationReport> {
  const mode = resolveMode(options.url, options.mode);
  const mappings = new Mappings(options.mapping ?? defaultMappingConfig());
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const cycles = Math.max(0, options.cycles ?? 2);
  const changeRate = options.changeRate ?? 0.05;
  const memberBatch = options.memberBatch ?? 10;
  const built = await buildSource(options.source);
  const client = new ScimClient({
    baseUrl: options.url,
    token: options.token,
    maxSockets: concurrency,
    timeoutMs: options.timeoutMs,
    extraQuery: mode === 'compliant' ? [COMPLIANCE_FLAG] : [],
    onExchange: options.onExchange,
  });
  const simulator = new Simulator(built.directory, {
    client, mode, mappings, concurrency, memberBatch, sendNulls: options.sendNulls,
    maxRecorded: options.maxRecorded, onProgress: options.onProgress, onPhase: options.onPhase,
  });
  options.onSimulator?.(simulator);
  const changeSets: ChangeSummary[] = [];
  const started = performance.now();
  let aborted: string | undefined;
  const settings = { concurrency, cycles, changeRate, memberBatch, sendNulls: options.sendNulls ?? false };
  const finish = (): SimulationReport =>
    buildReport({ options, mode, built, simulator, settings, changeSets, durationMs: performance.now() - started, aborted });
  try {
    if (options.testConnection !== false) {
      await simulator.testConnection();
      if (!simulator.ok) aborted = 'The test connection failed, so nothing else was sent (Entra does not start provisioning either).';
    }
    if (aborted) return finish();
    await simulator.initialCycle();
    let directory = built.directory;
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const change = generateChanges(directory, { rate: changeRate, seed: built.seed, cycle, domain: built.domain, groupSuffix: built.groupSuffix });
      changeSets.push(change.summary);
      directory = change.directory;
      await simulator.incrementalCycle(directory, cycles === 1 ? 'incremental' : `incremental ${cycle}`);
    }
    if (options.verify !== false) await simulator.verify();
    if (options.cleanup) await simulator.cleanup();
  } finally {
    client.close();
  }
  return finish();
}

interface ReportInput {
  options: RunOptions;
  mode: PatchMode;
  built: Awaited<ReturnType<typeof buildSource>>;
  simulator: Simulator;
  settings: SimulationReport['options'];
  changeSets: ChangeSummary[];
  durationMs: number;
  aborted?: string;
}

function buildReport({ options, mode, built, simulator, settings, changeSets, durationMs, aborted }: ReportInput): SimulationReport {
  const phases = simulator.summaries();
  const statuses: Record<string, number> = {};
  for (const p of phases) for (const [s, n] of Object.entries(p.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const requests = phases.reduce((n, p) => n + p.requests, 0);
  const d = built.directory;
  return {
    ok: simulator.ok,
    target: { url: options.url, mode },
    source: {
      kind: options.source.kind,
      users: d.users.length,
      groups: d.groups.length,
      memberships: d.groups.reduce((n, g) => n + memberIds(g).length, 0),
      disabled: d.users.filter((u) => u.accountEnabled === false || u.IsSoftDeleted === true).length,
      seed: built.seed,
      ...(built.tag ? { tag: built.tag } : {}),
      ...(options.source.kind === 'file' && options.source.file ? { file: options.source.file } : {}),
    },
    options: settings,
    changeSets,
    skippedDisabled: simulator.skipped,
    ...(aborted ? { aborted } : {}),
    totals: { requests, errors: simulator.errorCount, mismatches: simulator.mismatchCount, durationMs, requestsPerSecond: requests / (durationMs / 1000), statuses },
    phases,
    errors: simulator.errors,
    mismatches: simulator.mismatches,
  };
}
