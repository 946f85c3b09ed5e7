// Helpers for the OAuth tests: the admin API for OAuth clients, and raw calls to the token endpoint.
import type { Stack } from '../helpers/stack.js';

export interface Reply {
  status: number;
  headers: Headers;
  // JSON bodies of arbitrary shape (token responses, RFC 6749 errors, admin results).
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

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
