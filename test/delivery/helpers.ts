// A loopback webhook receiver that records every request (headers and raw body) and answers what the test tells it,
// plus admin calls to manage/subscriptions and a polling wait.
import { readReply, type Reply } from '../helpers/reply.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const ADMIN_KEY = 'test-admin-key';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** webhook-id */
  id: string;
  at: number;
}

export interface Receiver {
  url: string;
  /** Acknowledged (2xx) requests, in arrival order. */
  received: Received[];
  /** Requests the receiver refused. */
  failed: Received[];
  /** Decides the status per request (default 204); may delay the answer. */
  respond: (request: Received, attemptOfThisId: number) => number | Promise<number>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const attempts = new Map<string, number>();
  const receiver: Receiver = {
    url: '',
    received: [],
    failed: [],
    respond: () => 204,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const request: Received = { headers, body: Buffer.concat(chunks).toString('utf8'), id: headers['webhook-id'] ?? '', at: Date.now() };
    const attempt = (attempts.get(request.id) ?? 0) + 1;
    attempts.set(request.id, attempt);
    const status = await receiver.respond(request, attempt);
    // Only acknowledged requests count as received by the app; failed ones are kept apart for the assertions.
    (status >= 200 && status < 300 ? receiver.received : receiver.failed).push(request);
    res.statusCode = status;
    res.end(status >= 400 ? 'receiver says no' : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

export type AdminReply = Reply;

export async function admin(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminReply> {
  return readReply(
    await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-functions-key': ADMIN_KEY, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
