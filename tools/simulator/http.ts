// The simulator's HTTP side: a keep-alive client for one SCIM base URL (bearer token, SCIM JSON bodies, the
// Tenant URL's query string such as `?aadOptscim062020` appended to every request as Entra does), and a small
// bounded-concurrency runner.
import http from 'node:http';
import https from 'node:https';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Response text ('' when discarded or empty). */
  text: string;
  /** Parsed JSON body when the response had one. */
  json: unknown;
  /** Response body size in bytes. */
  bytes: number;
  /** Time from sending the request to the end of the response body. */
  ms: number;
  /** Set when no HTTP response arrived (connection refused, reset, timeout). */
  networkError?: string;
}

export interface RequestOptions {
  /** Count the body's bytes but keep none of it (large responses in the benchmark). */
  discardBody?: boolean;
  headers?: Record<string, string>;
}

export interface ScimClientOptions {
  baseUrl: string;
  token: string;
  /** Sockets kept open (at least the concurrency the caller uses). */
  maxSockets?: number;
  timeoutMs?: number;
  /** Extra query parameters appended to every request URL (`aadOptscim062020` in compliance mode). */
  extraQuery?: string[];
  /** Called after every exchange (the CLI's --trace). */
  onExchange?: (exchange: Exchange) => void;
}

export interface Exchange {
  method: string;
  url: string;
  requestBody?: unknown;
  status: number;
  ms: number;
  response: string;
}

export class ScimClient {
  readonly baseUrl: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly basePath: string;
  private readonly baseQuery: string[];
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly onExchange: ((exchange: Exchange) => void) | undefined;

  constructor(options: ScimClientOptions) {
    this.baseUrl = new URL(options.baseUrl);
    if (this.baseUrl.protocol !== 'http:' && this.baseUrl.protocol !== 'https:') throw new Error(`Unsupported URL scheme: ${this.baseUrl.protocol}`);
    this.transport = this.baseUrl.protocol === 'https:' ? https : http;
    const AgentClass = this.baseUrl.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: options.maxSockets ?? 64, keepAliveMsecs: 10_000 });
    this.basePath = this.baseUrl.pathname.replace(/\/+$/, '');
    // The Tenant URL's own query (e.g. `?aadOptscim062020`) is carried on every request, as Entra does.
    this.baseQuery = this.baseUrl.search.length > 1 ? this.baseUrl.search.slice(1).split('&').filter((p) => p !== '') : [];
    for (const q of options.extraQuery ?? []) if (!this.baseQuery.includes(q)) this.baseQuery.push(q);
    this.authorization = `Bearer ${options.token}`;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.onExchange = options.onExchange;
  }

  /** The request target for a path relative to the base (`/Users?filter=...`), with the base query appended. */
  target(path: string): string {
    const [pathname, query] = splitQuery(path);
    const params = [...(query ? query.split('&') : []), ...this.baseQuery];
    return `${this.basePath}${pathname}${params.length > 0 ? `?${params.join('&')}` : ''}`;
  }

  /** Full URL for reports. */
  url(path: string): string {
    return `${this.baseUrl.origin}${this.target(path)}`;
  }

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpReply> {
    const reply = await this.exchange(method, path, body, options);
    this.onExchange?.({ method, url: this.url(path), requestBody: body, status: reply.status, ms: reply.ms, response: reply.networkError ?? reply.text });
    return reply;
  }

  private exchange(method: string, path: string, body: unknown, options: RequestOptions): Promise<HttpReply> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const headers: Record<string, string | number> = { Authorization: this.authorization, Accept: 'application/scim+json', ...options.headers };
    if (payload) {
      headers['Content-Type'] = 'application/scim+json; charset=utf-8';
      headers['Content-Length'] = payload.length;
    }
    const started = performance.now();
    return new Promise<HttpReply>((resolve) => {
      let settled = false;
      const finish = (reply: Omit<HttpReply, 'ms'>): void => {
        if (settled) return;
        settled = true;
        resolve({ ...reply, ms: performance.now() - started });
      };
      const req = this.transport.request(
        { host: this.baseUrl.hostname, port: this.baseUrl.port || undefined, method, path: this.target(path), headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (!options.discardBody) chunks.push(chunk);
          });
          res.on('end', () => {
            const text = options.discardBody ? '' : Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            if (text !== '' && /json/i.test(String(res.headers['content-type'] ?? 'json'))) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            finish({ status: res.statusCode ?? 0, headers: res.headers, text, json, bytes });
          });
          res.on('error', (error) => finish({ status: 0, headers: {}, text: '', json: undefined, bytes, networkError: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, text: '', json: undefined, bytes: 0, networkError: error.code ?? error.message }));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?');
  return q === -1 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}

/** Query-string encoding as Entra sends it: spaces as `+`, quotes and the rest percent-encoded. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** A SCIM string literal for a filter: quoted, with `"` and `\` escaped. */
export function filterLiteral(value: string): string {
  return JSON.stringify(value);
}

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. Never rejects: a worker that throws is reported
 * through `onError` and the rest continue.
 */
export async function runPool<T>(items: Iterable<T>, concurrency: number, worker: (item: T) => Promise<void>, onError?: (error: unknown, item: T) => void): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const lanes = Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      try {
        await worker(next.value);
      } catch (error) {
        if (onError) onError(error, next.value);
        else throw error;
      }
    }
  });
  await Promise.all(lanes);
}
