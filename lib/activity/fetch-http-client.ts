// An HTTP client for the Azure SDK pipeline over Node's built-in fetch (undici), used for the activity table only.
// Why not the SDK's default (node:http) client: activity is written in the background, between and during SCIM
// requests, and must stay out of what the SCIM requests are measured by — the per-request storage counter
// (lib/store/metrics.ts, which activity never increments) and node:http's own client instrumentation
// (`http.client.request.start`, which the storage-cost tests count) — as well as off the SCIM connection pool.
import type { RestError, TableServiceClientOptions } from '@azure/data-tables';

type HttpClient = NonNullable<TableServiceClientOptions['httpClient']>;
type PipelineRequest = Parameters<HttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];
type RawHttpHeaders = ReturnType<HttpHeaders['toJSON']>;

/** Headers fetch computes itself (or refuses): the SDK's values would conflict with undici's. */
const SKIPPED_HEADERS = new Set(['content-length', 'host', 'connection', 'keep-alive', 'transfer-encoding', 'expect']);

class Headers implements HttpHeaders {
  private readonly map = new Map<string, { name: string; value: string }>();

  constructor(init?: Iterable<[string, string]>) {
    if (init) for (const [name, value] of init) this.set(name, value);
  }

  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string | number | boolean): void {
    this.map.set(name.toLowerCase(), { name, value: String(value) });
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  toJSON(options: { preserveCase?: boolean } = {}): RawHttpHeaders {
    const out: RawHttpHeaders = {};
    for (const [key, { name, value }] of this.map) out[options.preserveCase ? name : key] = value;
    return out;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const [key, { value }] of this.map) yield [key, value];
  }
}

function requestBody(request: PipelineRequest): string | Uint8Array | undefined {
  const body = request.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new Error('fetch-http-client: only string and byte bodies are supported (the Tables SDK sends no others).');
}

export class FetchHttpClient implements HttpClient {
  /** The SDK's RestError class, from the SDK the caller loaded (lib/store/tables-sdk.ts): its retry policy knows it. */
  constructor(private readonly RestErrorClass: typeof RestError) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (request.abortSignal?.aborted) controller.abort();
    request.abortSignal?.addEventListener('abort', onAbort);
    const timer = request.timeout > 0 ? setTimeout(onAbort, request.timeout) : undefined;
    const headers: [string, string][] = [];
    for (const [name, value] of request.headers) if (!SKIPPED_HEADERS.has(name.toLowerCase())) headers.push([name, value]);
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers,
        body: requestBody(request),
        signal: controller.signal,
      });
      const bodyAsText = await response.text();
      return { request, status: response.status, headers: new Headers(response.headers), bodyAsText };
    } catch (error) {
      if (controller.signal.aborted) {
        const aborted = new Error('The operation was aborted.');
        aborted.name = 'AbortError';
        throw aborted;
      }
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
      const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : 'REQUEST_SEND_ERROR';
      throw new this.RestErrorClass(cause?.message ?? (error instanceof Error ? error.message : String(error)), { code, request });
    } finally {
      if (timer) clearTimeout(timer);
      request.abortSignal?.removeEventListener('abort', onAbort);
    }
  }
}
