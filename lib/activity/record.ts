// The SCIM handler's hook into the activity log (lib/http/scim-handler.ts): remember the request body the verb reads,
// and queue the entry once the response exists — after the handler has returned it, never in its way.
import type { HttpRequest } from '@azure/functions';
import { getServices } from '../services.js';
import type { RequestOutcome } from './entry.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Keeps a reference to the body bytes when the verb reads them (no copy, no second read); the entry takes names and
 * the active flag from them and then lets them go. Returns a getter for those bytes.
 */
export function captureRequestBody(request: HttpRequest): () => Uint8Array | undefined {
  if (!WITH_BODY.has(request.method.toUpperCase())) return () => undefined;
  let captured: ArrayBuffer | undefined;
  try {
    const read = request.arrayBuffer.bind(request);
    Object.defineProperty(request, 'arrayBuffer', {
      configurable: true,
      value: async (): Promise<ArrayBuffer> => (captured = await read()),
    });
  } catch {
    return () => undefined;
  }
  return () => (captured ? new Uint8Array(captured) : undefined);
}

/** Queues the activity entry (in a microtask, after the handler returns). Never throws, never rejects. */
export function recordActivity(outcome: RequestOutcome): void {
  getServices().then(
    (services) => services.activity.record(outcome),
    () => undefined, // storage not configured: the request already answered with the cause
  );
}
