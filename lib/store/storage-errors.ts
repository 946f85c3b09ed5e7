// Maps Table Storage failures to what the SCIM layer reports: conflicts and stale ETags become domain errors, an
// unreachable or failing service becomes 503 with Retry-After (never a stack trace or storage error text).
import type { TableClient } from '@azure/data-tables';
import { ScimError } from '../scim/errors.js';
import { ConcurrencyError } from './repository.js';

export function storageStatus(error: unknown): number | undefined {
  // The SDK's RestError (and anything else that carries a storage status), without importing the SDK for the check.
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? (error as { statusCode?: number }).statusCode
    : undefined;
}

export function isNotFound(error: unknown): boolean {
  return storageStatus(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return storageStatus(error) === 409;
}

/** Which action of a failed entity-group transaction failed, and how. */
export interface FailedAction {
  status: number;
  /** Position of the failing action in the submitted list. */
  index: number;
}

/**
 * The failing action of a transaction the service refused action by action (404 row missing, 409 row exists, 412
 * ETag mismatch): Table Storage (and Azurite) start the error message with "<index>:", e.g. "2:The specified resource
 * does not exist." (checked against Azurite in test/store/batch-errors.test.ts).
 */
export function failedAction(error: unknown): FailedAction | undefined {
  const status = storageStatus(error);
  if (status !== 404 && status !== 409 && status !== 412) return undefined;
  const message = error instanceof Error ? error.message : '';
  const m = /^(\d+):/.exec(message);
  return m ? { status, index: Number(m[1]) } : undefined;
}

/**
 * Creates `client`'s table on the first call (idempotent: 409 means it exists) and shares that call; a failure is
 * passed through `onError` and the next call tries again.
 */
export function tableCreator(client: TableClient, timeoutMs: () => number, onError: (error: unknown) => unknown = (e) => e): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= (async () => {
      try {
        await client.createTable({ abortSignal: AbortSignal.timeout(timeoutMs()) });
      } catch (error) {
        if (isConflict(error)) return;
        ready = undefined;
        throw onError(error);
      }
    })());
}

/** Converts any other storage failure into the error the client sees. */
export function toScimStorageError(error: unknown): Error {
  if (error instanceof ScimError || error instanceof ConcurrencyError) return error;
  const status = storageStatus(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code?: unknown }).code) : '';
  if (status === 412 || (status === 404 && code !== 'TableNotFound')) return new ConcurrencyError();
  if (status === 413 || /TooLarge|PropertyValueTooLarge|EntityTooLarge/i.test(code)) {
    return new ScimError(400, 'invalidValue', 'The resource is too large to store.');
  }
  if (status === undefined || status >= 500 || status === 408 || status === 429) {
    const unavailable = new ScimError(503, undefined, 'The storage service is temporarily unavailable; retry later.', { 'Retry-After': '5' });
    unavailable.cause = error; // for the request's log line (lib/http/edge.ts); never sent to the client
    return unavailable;
  }
  return error instanceof Error ? error : new Error(String(error));
}
