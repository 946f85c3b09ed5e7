// Optional per-tenant request budget (off by default): a token bucket per tenant, per service instance, holding up to
// one minute's budget and refilled continuously. Over budget the request gets 429 with Retry-After.
const MAX_TENANTS = 10_000;

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request from the tenant's budget; returns 0 when allowed, else the seconds until one is available. */
  take(tenant: string, requestsPerMinute: number): number {
    const now = this.now();
    const perMs = requestsPerMinute / 60_000;
    let bucket = this.buckets.get(tenant);
    if (!bucket) {
      if (this.buckets.size >= MAX_TENANTS) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: requestsPerMinute, updated: now };
      this.buckets.set(tenant, bucket);
    } else {
      bucket.tokens = Math.min(requestsPerMinute, bucket.tokens + (now - bucket.updated) * perMs);
      bucket.updated = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** The service-wide default budget (SCIM_TENANT_REQUESTS_PER_MINUTE), for tenants without their own; undefined = off. */
export function defaultRequestsPerMinute(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SCIM_TENANT_REQUESTS_PER_MINUTE;
  if (raw === undefined || raw === '' || raw === '0' || /^off$/i.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`SCIM_TENANT_REQUESTS_PER_MINUTE must be a positive integer or "off" (got "${raw}")`);
  return n;
}
