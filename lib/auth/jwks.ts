// Remote signing-key sets (JWKS) for the two kinds of JWT the service verifies: Entra-issued bearer tokens
// (entra-jwt.ts) and federated client assertions (oauth/assertion.ts). jose fetches and caches the keys by `kid` and
// refetches on an unknown `kid` at most once per cooldown; this module bounds how many key sets are kept and marks
// a failed fetch as "keys unavailable" (the caller answers 503, not a credential error).
import type { createRemoteJWKSet, FetchImplementation } from 'jose';
import { loadJose } from './jose.js';

/** The signing keys could not be fetched (network, non-200, redirect): retry later. */
export class KeysUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeysUnavailableError';
  }
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;
/** How a key fetch treats a redirect (the fetch option; lib ES2023 has no DOM types). */
type RequestRedirect = 'follow' | 'error';
const MAX_KEY_SETS = 1000;
const keySets = new Map<string, KeySet>();

function fetchKeys(redirect: RequestRedirect): FetchImplementation {
  return async (url, options) => {
    let response: Response;
    try {
      response = await fetch(url, { ...options, redirect });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') throw error; // jose reports it as JWKSTimeout
      throw new KeysUnavailableError(`signing keys could not be fetched from ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status !== 200) throw new KeysUnavailableError(`signing keys endpoint ${url} answered ${response.status}`);
    return response;
  };
}

/** The key set of `url`, shared per (url, cooldown, redirect rule); the oldest is forgotten beyond 1,000 sets. */
export async function remoteKeySet(url: string, cooldownMs: number, redirect: RequestRedirect = 'follow'): Promise<KeySet> {
  const cacheKey = `${cooldownMs} ${redirect} ${url}`;
  let set = keySets.get(cacheKey);
  if (!set) {
    const { createRemoteJWKSet, customFetch } = await loadJose();
    if (keySets.size >= MAX_KEY_SETS) keySets.delete(keySets.keys().next().value as string);
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: cooldownMs, cacheMaxAge: 24 * 60 * 60 * 1000, timeoutDuration: 5000, [customFetch]: fetchKeys(redirect) });
    keySets.set(cacheKey, set);
  }
  return set;
}
