// The benchmark's SCIM host: a child process serving the function registrations through the local host on a free
// port, backed by the Azurite the parent started (env SCIM_STORAGE_CONNECTION_STRING / SCIM_TOKEN / SCIM_TABLE_NAME).
// A process of its own so its peak RSS is the host's alone. It answers the parent over IPC with its storage-call
// counter (lib/store/metrics.ts) and memory, and can watch its RSS around one request.
import { startLocalHost } from '../../dev/local-host.js';
import type { EngineStats } from '../../lib/delivery/engine.js';
import { getDeliveryServices } from '../../lib/delivery/services.js';
import { storeCallTotal } from '../../lib/delivery/store.js';
import { getServices } from '../../lib/services.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';

export type HostRequest =
  | { id: number; type: 'stats' }
  | { id: number; type: 'watch-start' }
  | { id: number; type: 'watch-stop' }
  | { id: number; type: 'stop' };

export interface RequestKindStats {
  requests: number;
  storageCalls: number;
}

export interface HostStats {
  storageCalls: number;
  /** Requests and their storage calls by kind (`PATCH Groups/{id}`), from the host's per-request log lines. */
  byRequest: Record<string, RequestKindStats>;
  /** Responses with status ≥ 500. */
  serverErrors: number;
  rss: number;
  /** Peak resident set size of this process so far (bytes). */
  maxRss: number;
  heapUsed: number;
  /** The delivery engine's work: its counters, and its table storage calls (delivery table, change feed). */
  delivery?: EngineStats & { storeCalls: number; feedCalls: number };
}

export interface WatchResult {
  /** RSS when the watch started (after a GC when --expose-gc is on). */
  baseline: number;
  peak: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

const byRequest: Record<string, RequestKindStats> = {};
let serverErrors = 0;

interface RequestLine {
  event?: string;
  method?: string;
  resourceType?: string;
  resourceId?: string;
  status?: number;
  storageCalls?: number;
}

/** Aggregates scim-handler's `scim.request` log lines; prints server errors. */
function onLog(level: string, message: string): void {
  if (!message.startsWith('{')) {
    if (level === 'error') process.stderr.write(`host: ${message}\n`);
    return;
  }
  let line: RequestLine;
  try {
    line = JSON.parse(message) as RequestLine;
  } catch {
    return;
  }
  if (line.event !== 'scim.request') return;
  const key = `${line.method ?? '?'} ${line.resourceType ?? '?'}${line.resourceId ? '/{id}' : ''}`;
  const entry = (byRequest[key] ??= { requests: 0, storageCalls: 0 });
  entry.requests++;
  entry.storageCalls += line.storageCalls ?? 0;
  if ((line.status ?? 0) >= 500) {
    serverErrors++;
    if (serverErrors <= 5) process.stderr.write(`host: ${message}\n`);
  }
}

async function stats(): Promise<HostStats> {
  const memory = process.memoryUsage();
  const d = await getDeliveryServices();
  return {
    delivery: { ...d.engine.stats(), storeCalls: storeCallTotal(d.store.calls), feedCalls: d.feed.calls.storageCalls },
    storageCalls: totalStorageCalls(),
    byRequest: structuredClone(byRequest),
    serverErrors,
    rss: memory.rss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    heapUsed: memory.heapUsed,
  };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('tools/bench/host.js runs as a child of the benchmark (IPC channel required).');
  await (await getServices()).repository.ready();
  const host = await startLocalHost({ port: 0, log: onLog });
  let watch: { baseline: number; peak: number; maxRssAtStart: number; timer: NodeJS.Timeout | undefined } | undefined;
  const reply = (id: number, result: unknown): void => {
    process.send?.({ id, result });
  };
  process.on('message', (message: HostRequest) => {
    switch (message.type) {
      case 'stats':
        void stats().then((result) => reply(message.id, result));
        break;
      case 'watch-start': {
        gc?.();
        const baseline = process.memoryUsage.rss();
        const current = { baseline, peak: baseline, maxRssAtStart: process.resourceUsage().maxRSS * 1024, timer: undefined as NodeJS.Timeout | undefined };
        current.timer = setInterval(() => {
          current.peak = Math.max(current.peak, process.memoryUsage.rss());
        }, 2);
        watch = current;
        reply(message.id, { baseline });
        break;
      }
      case 'watch-stop': {
        if (!watch) {
          reply(message.id, { baseline: 0, peak: 0 });
          break;
        }
        clearInterval(watch.timer);
        let peak = Math.max(watch.peak, process.memoryUsage.rss());
        // The OS-recorded peak catches spikes between samples when it rose during the watch.
        const maxRss = process.resourceUsage().maxRSS * 1024;
        if (maxRss > watch.maxRssAtStart) peak = Math.max(peak, maxRss);
        const result: WatchResult = { baseline: watch.baseline, peak };
        watch = undefined;
        reply(message.id, result);
        break;
      }
      case 'stop':
        void host.close().then(() => {
          reply(message.id, { stopped: true });
          process.exit(0);
        });
        break;
    }
  });
  process.send({ type: 'ready', baseUrl: host.baseUrl });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
