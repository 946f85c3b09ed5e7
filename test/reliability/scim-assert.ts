// Assertions on what a client receives: a well-formed SCIM response (RFC 7644 §3.12 errors, resources with
// `schemas`), never a 5xx, never a stack trace or storage error text.
import { expect } from 'vitest';
import type { ScimReply } from '../helpers/stack.js';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const SCIM_TYPES = new Set(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive', 'invalidCursor']);

/** Text that must never reach a client: stack frames, Node/SDK error names, storage service wording. */
const LEAKS = [
  /\n\s+at /, /\bat (async )?[\w.<>]+ \(/, /node:internal/, /\.ts:\d+/, /\.js:\d+/, /RestError/, /TypeError/, /RangeError/, /ReferenceError/, /SyntaxError: /,
  /ECONNREFUSED/, /ECONNRESET/, /ETIMEDOUT/, /EntityTooLarge/, /UpdateConditionNotSatisfied/, /TableNotFound/, /PartitionKey/, /RowKey/, /devstoreaccount1/,
  /AccountKey/, /odata/i, /AbortError/, /The operation was aborted/,
];

/** `sent`: what the client itself sent (an error may quote it back; patterns it matches are not leaks). */
export function expectNoLeak(text: string, context = '', sent = ''): void {
  for (const pattern of LEAKS) {
    if (pattern.test(sent)) continue;
    expect(pattern.test(text), `${context}: response leaks ${pattern}: ${text.slice(0, 500)}`).toBe(false);
  }
}

export interface WellFormedOptions {
  /** Accept a bodiless 400/404 from the (local) Functions host itself: a URL it cannot route or decode. */
  allowHostLevel?: boolean;
  /** The request's URL and body text, which error details may quote back. */
  sent?: string;
}

/** Throws (fails the property) unless `reply` is a well-formed 2xx/3xx/4xx SCIM response. */
export function expectWellFormed(reply: ScimReply, context: string, options: WellFormedOptions = {}): void {
  const where = `${context} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, where).toBeGreaterThanOrEqual(200);
  expect(reply.status, where).toBeLessThan(500);
  if (options.allowHostLevel && (reply.status === 404 || reply.status === 400) && reply.text === '' && reply.headers.get('content-type') === null) return;
  if (reply.status === 204 || reply.status === 304) {
    expect(reply.text, where).toBe('');
    return;
  }
  expect(reply.headers.get('content-type'), where).toBe('application/scim+json');
  expect(reply.headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(reply.headers.get('cache-control'), where).toBe('no-store');
  expect(reply.body, where).toBeTypeOf('object');
  expect(Array.isArray(reply.body.schemas), where).toBe(true);
  if (reply.status >= 400) {
    expectNoLeak(reply.text, context, options.sent);
    expect(reply.body.schemas, where).toEqual([ERROR_SCHEMA]);
    expect(reply.body.status, where).toBe(String(reply.status));
    expect(typeof reply.body.detail, where).toBe('string');
    if (reply.body.scimType !== undefined) expect(SCIM_TYPES.has(reply.body.scimType as string), where).toBe(true);
  } else {
    expect(reply.body.schemas.length, where).toBeGreaterThan(0);
  }
}

/** Replaces lone surrogates so a string can be percent-encoded (encodeURIComponent throws on them). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export const pct = (s: string): string => encodeURIComponent(wellFormed(s));
