// A small development host that serves the same function registrations the Azure Functions runtime loads (routes,
// methods and auth levels come from registerHttp), so the project runs and is tested without Functions Core Tools.
import { loadSettings } from '../lib/config.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import azureFunctions, { type HttpResponseInit, type LogLevel } from '@azure/functions';
import { sameToken } from '../lib/auth/tokens.js';
import { registrations, timerRegistrations, type Registration, type TimerRegistration } from '../lib/http/register.js';

export interface LocalHostOptions {
  port?: number;
  host?: string;
  /** Key accepted for functions with authLevel 'function' or 'admin' (x-functions-key header or ?code=). */
  adminKey?: string;
  /**
   * false: let every function in whatever its authLevel, as Functions Core Tools (`func start`) does; the app's own
   * admin check (lib/auth/admin-access.ts) is then all that guards the admin routes. Default true.
   */
  hostChecksKeys?: boolean;
  /** Largest request body read into memory; the rest is discarded (handlers answer 413 above their own limit). */
  maxBodyBytes?: number;
  log?: (level: LogLevel, message: string) => void;
  /** Run the timer-triggered functions on their schedules (default true). */
  timers?: boolean;
}

export interface LocalHost {
  url: string;
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

interface Route {
  registration: Registration;
  methods: Set<string>;
  segments: { literal?: string; param?: string; optional?: boolean }[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The project root: the nearest folder above this module holding host.json. */
export function projectRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'host.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('host.json not found above ' + here);
  }
}

export function routePrefixFromHostJson(): string {
  const hostJson = JSON.parse(readFileSync(join(projectRoot(), 'host.json'), 'utf8')) as { extensions?: { http?: { routePrefix?: string } } };
  return hostJson.extensions?.http?.routePrefix ?? 'api';
}

/**
 * Imports every function file (compiled .js next to compiled lib, or .ts under vitest), which registers it. Under the
 * bundle (dist/app/start.js, see tools/bundle.ts) the functions registered themselves when it loaded.
 */
export async function loadFunctions(): Promise<Registration[]> {
  if (registrations.length > 0) return registrations;
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const dir = join(here, '..', 'functions');
  const files = (await readdir(dir)).filter((f) => f.endsWith(extension) && !f.endsWith('.d.ts')).sort();
  for (const file of files) await import(new URL(`file://${join(dir, file)}`).href);
  return registrations;
}

// The interval of a timer schedule the local host can run: NCRONTAB with seconds, every N seconds
// (`*/N * * * * *`). Other schedules are refused loudly rather than run at the wrong times.
export function timerIntervalMs(schedule: string): number {
  const m = /^\*\/([1-9][0-9]*) \* \* \* \* \*$/.exec(schedule.trim());
  if (!m) throw new Error(`local host: timer schedule "${schedule}" is not supported (only "*/N * * * * *")`);
  return Number(m[1]) * 1000;
}

/** Runs each timer function every interval, never two runs of one function at once (as the Functions host). */
function startTimers(timers: TimerRegistration[], log: (level: LogLevel, message: string) => void): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const intervals = timers.map((registration) => {
    let busy = false;
    return setInterval(() => {
      if (busy) return;
      busy = true;
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: registration.name,
        logHandler: (level, ...args) => log(level, args.map(String).join(' ')),
      });
      const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
      const run = Promise.resolve()
        .then(() => registration.options.handler(timer, context))
        .catch((error: unknown) => log('error', `local host: timer ${registration.name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, timerIntervalMs(registration.options.schedule));
  });
  return async () => {
    for (const interval of intervals) clearInterval(interval);
    await Promise.all([...running]);
  };
}

function compile(registration: Registration): Route {
  const route = registration.options.route ?? registration.name;
  const segments = route.split('/').filter((s) => s !== '').map((s) => {
    const m = /^\{([^}:?]+)(?::[^}?]*)?(\?)?\}$/.exec(s);
    return m ? { param: m[1], optional: m[2] === '?' } : { literal: s.toLowerCase() };
  });
  const methods = new Set((registration.options.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()));
  return { registration, methods, segments };
}

function match(route: Route, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i];
    const part = parts[i];
    if (part === undefined) {
      if (seg.optional) continue;
      return undefined;
    }
    if (seg.literal !== undefined) {
      if (seg.literal !== part.toLowerCase()) return undefined;
    } else {
      params[seg.param as string] = part;
    }
  }
  return parts.length <= route.segments.length ? params : undefined;
}

/**
 * A path segment percent-decoded; a broken escape (`%zz`, a lone `%`, `%C3%28` which is not UTF-8) is kept as sent,
 * as the Functions host's router does, so the function answers it (a SCIM 404) instead of the host failing.
 */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    if (size <= limit) chunks.push(buf);
    size += buf.length;
  }
  return Buffer.concat(chunks);
}

function send(res: http.ServerResponse, response: HttpResponseInit): void {
  const headers = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  let body: string | Buffer | undefined;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  } else if (typeof response.body === 'string') body = response.body;
  else if (response.body instanceof Uint8Array) body = Buffer.from(response.body);
  res.statusCode = response.status ?? 200;
  headers.forEach((value, key) => res.setHeader(key, value));
  res.end(body);
}

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  // As the Functions worker does when the app loads: a malformed setting stops here, naming it.
  loadSettings();
  const routes = (await loadFunctions()).map(compile);
  // Literal segments win over parameters (as in the Functions host): `Users/.search` before `Users/{id}`.
  routes.sort((a, b) => b.segments.filter((s) => s.literal).length - a.segments.filter((s) => s.literal).length);
  const prefix = routePrefixFromHostJson().split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const log = options.log ?? (() => undefined);

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const parts = url.pathname.split('/').filter((s) => s !== '');
      const isUnderPrefix = prefix.every((p, i) => parts[i]?.toLowerCase() === p);
      const method = (req.method ?? 'GET').toUpperCase();
      let found: { route: Route; params: Record<string, string> } | undefined;
      if (isUnderPrefix) {
        const rest = parts.slice(prefix.length).map(decodeSegment);
        for (const route of routes) {
          const params = route.methods.has(method) ? match(route, rest) : undefined;
          if (params) {
            found = { route, params };
            break;
          }
        }
      }
      const body = await readBody(req, maxBody);
      if (!found) return send(res, { status: 404 });
      const { registration } = found.route;
      const authLevel = registration.options.authLevel ?? 'anonymous';
      if (authLevel !== 'anonymous' && options.hostChecksKeys !== false) {
        const key = req.headers['x-functions-key'] ?? url.searchParams.get('code');
        if (!options.adminKey || typeof key !== 'string' || !sameToken(key, options.adminKey)) return send(res, { status: 401 });
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      // As Azure's front end does: append the connecting address, so the last entry is the one to trust.
      const peer = req.socket.remoteAddress ?? 'unknown';
      headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
      const request = new azureFunctions.HttpRequest({ method, url: url.href, headers, params: found.params, body: { bytes: body } });
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: registration.name,
        logHandler: (level, ...args) => log(level, args.map(String).join(' ')),
      });
      const response = await registration.options.handler(request, context);
      send(res, response as HttpResponseInit);
    } catch (error) {
      log('error', `local host: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      if (!res.headersSent) send(res, { status: error instanceof URIError || error instanceof TypeError ? 400 : 500 });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  const stopTimers = options.timers === false ? async () => undefined : startTimers(timerRegistrations, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    baseUrl: `${url}/${prefix.join('/')}`,
    port,
    close: async () => {
      await stopTimers();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
