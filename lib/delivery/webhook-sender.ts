// One webhook attempt: POST of the CloudEvent JSON, signed, to an address checked at connect time (targets.ts). A 2xx
// acknowledges; anything else (a redirect too: it is never followed), a connection error or the 10 s timeout fails the
// attempt. Only a short excerpt of the response is kept, and never the secret.
import http from 'node:http';
import https from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { allowedAddresses, parseTargetUrl, TargetError, type Resolver, systemResolver } from './targets.js';
import { signatureHeaders } from './signer.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const EXCERPT_BYTES = 200;

export interface AttemptOutcome {
  ok: boolean;
  statusCode?: number;
  /** Why it failed (a short excerpt of the response body, or the connection error); never the secret. */
  error?: string;
  /** A permanent failure: retrying cannot help (e.g. the target is no longer allowed or the event cannot be sent). */
  permanent?: boolean;
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookSenderOptions {
  allowLoopback: boolean;
  timeoutMs?: number;
  resolve?: Resolver;
}

export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly resolve: Resolver;
  // Connections are kept open between the attempts of a burst (no handshake per event). A kept connection goes to
  // the address checked when it was opened; every new connection is checked again in its own lookup.
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 15_000 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16, timeout: 15_000 }),
  };

  constructor(private readonly options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.resolve = options.resolve ?? systemResolver;
  }

  async send(target: WebhookTarget, eventId: string, body: string): Promise<AttemptOutcome> {
    let url: URL;
    try {
      url = parseTargetUrl(target.url, this.options.allowLoopback);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const headers = {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'scim-functions-webhooks/1',
      ...signatureHeaders(target.secret, eventId, body),
    };
    // The addresses are checked here, inside the socket's own lookup: what is checked is what is connected to.
    const lookup: LookupFunction = (_host, options, callback) => {
      allowedAddresses(url, this.options.allowLoopback, this.resolve).then(
        (addresses: LookupAddress[]) => {
          if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        },
        (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };
    const transport = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = transport.request(url, { method: 'POST', headers, lookup, agent }, (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) response.destroy();
        });
        const done = (): void => {
          if (status >= 200 && status < 300) return finish({ ok: true, statusCode: status });
          const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
          const what = status >= 300 && status < 400 ? 'redirect (not followed)' : `HTTP ${status}`;
          finish({ ok: false, statusCode: status, error: excerpt ? `${what}: ${excerpt}` : what });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish({ ok: false, error: `no response within ${this.timeoutMs / 1000} s` });
      }, this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const cause = error instanceof TargetError ? error.message : `${error.code ?? error.name}: ${error.message}`.slice(0, EXCERPT_BYTES);
        finish({ ok: false, error: cause });
      });
      request.end(body);
    });
  }
}
