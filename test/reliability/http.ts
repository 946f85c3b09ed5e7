// Raw HTTP for the reliability tests: full control over method, URL, headers (including none) and body bytes.
import { readReply } from '../helpers/reply.js';
import type { ScimReply } from '../helpers/stack.js';

export interface SendOptions {
  body?: string | Uint8Array;
  /** Header values; undefined leaves the header out entirely. */
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export async function send(method: string, url: string, options: SendOptions = {}): Promise<ScimReply> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k] = v;
  return readReply(await fetch(url, { method, headers, body: options.body, signal: options.signal }));
}

/** A request of the SCIM client: bearer token, SCIM JSON content type when there is a body. */
export function scimClient(baseUrl: string, token: string) {
  return (method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<ScimReply> =>
    send(method, `${baseUrl}${path}`, {
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
    });
}
