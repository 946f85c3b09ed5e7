// Token buckets per key (a tenant's request budget, a client address's failed authentications), per service instance,
// holding up to one minute's budget and refilled continuously. A request takes one unit to get in; a tenant's request is
// then charged its further storage calls (charge), so a bucket may go into debt of up to one minute's budget and the
// tenant waits it out. Over budget the request gets 429 with Retry-After.
const MAX_TENANTS = 10_000;

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one unit from the key's budget; returns 0 when allowed, else the seconds until one is available. */
  take(tenant: string, requestsPerMinute: number): number {
    const bucket = this.refilled(tenant, requestsPerMinute);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.wait(bucket, requestsPerMinute);
  }

  /** The seconds until one unit is available (0: now), without taking it. */
  retryAfter(key: string, perMinute: number): number {
    const bucket = this.refilled(key, perMinute);
    return bucket.tokens >= 1 ? 0 : this.wait(bucket, perMinute);
  }

  /** Takes `units` more (after the fact); the bucket may go into debt of at most one minute's budget. */
  charge(key: string, perMinute: number, units: number): void {
    if (units <= 0) return;
    const bucket = this.refilled(key, perMinute);
    bucket.tokens = Math.max(-perMinute, bucket.tokens - units);
  }

  private refilled(key: string, perMinute: number): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TENANTS) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: perMinute, updated: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.updated) * perMinute) / 60_000);
      bucket.updated = now;
    }
    return bucket;
  }

  private wait(bucket: Bucket, perMinute: number): number {
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60_000) / perMinute / 1000));
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** Failed authentications allowed per client address per minute (SCIM_AUTH_FAILURES_PER_MINUTE, default 30; 0/off = no limit). */
export function authFailuresPerMinute(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SCIM_AUTH_FAILURES_PER_MINUTE;
  if (raw === undefined || raw === '') return 30;
  if (raw === '0' || /^off$/i.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`SCIM_AUTH_FAILURES_PER_MINUTE must be a positive integer or "off" (got "${raw}")`);
  return n;
}

/**
 * The client's address as the platform's front end saw it: the last X-Forwarded-For entry (Azure's front end appends
 * the connecting address; earlier entries are whatever the client sent), without its port. The local host sets it too.
 */
export function clientAddress(forwardedFor: string | null): string {
  const last = (forwardedFor ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '').pop();
  if (!last) return 'unknown';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  if (bracketed) return bracketed[1].toLowerCase();
  return /^[\d.]+:\d+$/.test(last) ? last.slice(0, last.lastIndexOf(':')) : last.toLowerCase();
}

/** The service-wide default budget (SCIM_TENANT_REQUESTS_PER_MINUTE), for tenants without their own; undefined = off. */
export function defaultRequestsPerMinute(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SCIM_TENANT_REQUESTS_PER_MINUTE;
  if (raw === undefined || raw === '' || raw === '0' || /^off$/i.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`SCIM_TENANT_REQUESTS_PER_MINUTE must be a positive integer or "off" (got "${raw}")`);
  return n;
}
