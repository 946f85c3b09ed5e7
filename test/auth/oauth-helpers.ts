// Helpers for the OAuth tests: the admin API for OAuth clients, and raw calls to the token endpoint.
import http from 'node:http';
import { readReply, type Reply } from '../helpers/reply.js';
import type { Stack } from '../helpers/stack.js';

export type { Reply };

const reply = readReply;

/** A call to the admin API under manage/tenants with the host key. */
export async function admin(stack: Stack, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { 'x-functions-key': 'test-admin-key' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return reply(await fetch(`${stack.baseUrl}/manage/tenants${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
}

/** POST oauth2/token with a form body (and optional extra headers such as Authorization: Basic). */
export async function tokenRequest(stack: Stack, form: Record<string, string> | string, headers: Record<string, string> = {}): Promise<Reply> {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  return reply(await fetch(`${stack.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body }));
}

/** `Authorization: Basic` per RFC 6749 §2.3.1 (each part form-urlencoded first). */
export function basic(clientId: string, secret: string): Record<string, string> {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return { Authorization: `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}` };
}

/**
 * POST oauth2/token from the loopback address `from` (Linux routes all of 127/8 to lo). The host appends the
 * connecting address to X-Forwarded-For as the platform's front end does, so that, not a client-chosen header, is
 * the address failed attempts are counted by.
 */
export function tokenRequestFrom(stack: Stack, from: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(`${stack.baseUrl}/oauth2/token`);
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: 'POST', host: url.hostname, port: url.port, path: url.pathname, localAddress: from, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: h, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
