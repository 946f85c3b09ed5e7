// Standard Webhooks signing (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>`
// with the secret `whsec_<base64 key>`. The signature itself comes from the `standardwebhooks` package, the one app
// developers verify with, so the two cannot drift apart.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for one attempt; the timestamp is the attempt's (receivers reject stale ones). */
export function signatureHeaders(secret: string, id: string, body: string, at: Date = new Date()): SignedHeaders {
  const signature = new Webhook(secret).sign(id, at, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}
