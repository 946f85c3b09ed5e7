// The HTTP edge every SCIM and admin route goes through (lib/http/edge.ts): services handed in, the body read once and
// passed on to the activity entry (the request object is not patched), every failure a SCIM error body, one log line.
import azureFunctions from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';
import type { ActivityLog } from '../../lib/activity/activity-log.js';
import type { RequestOutcome } from '../../lib/activity/entry.js';
import { serve } from '../../lib/http/edge.js';
import { ScimError } from '../../lib/scim/errors.js';
import { ConcurrencyError } from '../../lib/store/repository.js';
import { AdminError } from '../../lib/tenants/tenant-admin.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function invocation() {
  const lines: { level: string; line: Record<string, unknown> }[] = [];
  const context = new azureFunctions.InvocationContext({
    invocationId: 'inv-1',
    logHandler: (level, ...args) => lines.push({ level, line: JSON.parse(String(args[0])) as Record<string, unknown> }),
  });
  return { context, lines };
}

const post = (body: string) =>
  new azureFunctions.HttpRequest({ method: 'POST', url: 'https://app.example/scim/v2/Users', headers: { 'content-type': 'application/json' }, body: { string: body } });

describe('the HTTP edge', () => {
  it('reads the body once for the handler and the activity entry, without patching the request', async () => {
    const recorded: RequestOutcome[] = [];
    const activity = { record: (outcome: RequestOutcome) => recorded.push(outcome) } as unknown as ActivityLog;
    const services = { activity };
    const request = post('{"userName":"ada"}');
    const read = vi.spyOn(request, 'arrayBuffer');
    const { context, lines } = invocation();
    const handler = serve({ event: 'scim.request', services: async () => services, activity: { resourceType: 'User', log: (s) => s.activity } }, async (ctx) => {
      expect(ctx.services).toBe(services);
      const first = await ctx.body.read();
      const again = await ctx.body.read();
      expect(again).toBe(first);
      ctx.log.tenant = 'contoso';
      return { status: 201, body: '{"id":"1"}' };
    });
    const response = await handler(request, context);
    await Promise.resolve(); // the entry is queued in a microtask, after the response
    expect(response.status).toBe(201);
    expect(read).toHaveBeenCalledTimes(1);
    expect(request.arrayBuffer).toBe(read);
    expect(recorded).toHaveLength(1);
    expect(Buffer.from(recorded[0].requestBody ?? []).toString('utf8')).toBe('{"userName":"ada"}');
    expect(recorded[0]).toMatchObject({ tenant: 'contoso', method: 'POST', resourceType: 'User', status: 201, responseBody: '{"id":"1"}' });
    expect(lines).toEqual([{ level: 'information', line: expect.objectContaining({ event: 'scim.request', invocationId: 'inv-1', tenant: 'contoso', status: 201, storageCalls: 0 }) }]);
  });

  it('maps every failure to a SCIM error body and logs 5xx as errors, with the cause', async () => {
    const cases: [unknown, number, string | undefined, Record<string, string>][] = [
      [new ScimError(412, undefined, 'stale'), 412, undefined, {}],
      [new AdminError(400, 'name must be a string.'), 400, 'invalidValue', {}],
      [new AdminError(404, 'No tenant x.'), 404, undefined, {}],
      [new ConcurrencyError(), 409, undefined, {}],
      [Object.assign(new Error('server busy'), { statusCode: 503 }), 503, undefined, { 'Retry-After': '5' }],
      [new TypeError('a bug'), 500, undefined, {}],
    ];
    for (const [error, status, scimType, headers] of cases) {
      const { context, lines } = invocation();
      const response = await serve({ event: 'admin.tenants', services: async () => ({}), fields: () => ({ action: 'get' }) }, async () => {
        throw error;
      })(post('{}'), context);
      const body = JSON.parse(String(response.body)) as Record<string, unknown>;
      expect(response.status).toBe(status);
      expect(body).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String) });
      expect(body.scimType).toBe(scimType);
      expect(response.headers).toMatchObject({ 'Content-Type': 'application/scim+json', ...headers });
      expect(String(body.detail)).not.toContain('a bug');
      expect(lines).toHaveLength(1);
      expect(lines[0].line).toMatchObject({ event: 'admin.tenants', action: 'get', status });
      expect(lines[0].level).toBe(status >= 500 ? 'error' : 'information');
      if (status === 500) expect(String(lines[0].line.error)).toContain('TypeError: a bug');
    }
  });

  it('a failure to build the services is a 500 SCIM error, not a thrown handler', async () => {
    const { context } = invocation();
    const response = await serve({ event: 'scim.request', services: () => Promise.reject(new Error('no storage setting')) }, async () => ({ status: 200 }))(post('{}'), context);
    expect(response.status).toBe(500);
    expect(JSON.parse(String(response.body))).toMatchObject({ schemas: [ERROR], status: '500' });
  });
});
