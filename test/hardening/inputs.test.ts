// Issue 15, inputs that misbehaved: deep nesting, broken percent-encoding in paths, JSON parse errors that echoed the
// body, and a SCIM_TOKEN too weak to run with. Each answers a SCIM error (or refuses to start), never a 500.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushAllActivity } from '../../lib/activity/activity-log.js';
import { loadConfig } from '../../lib/config.js';
import { getServices } from '../../lib/services.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { expectWellFormed } from '../reliability/scim-assert.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let stack: Stack;
let userId: string;
beforeAll(async () => {
  stack = await startStack();
  const created = await stack.call('POST', '/Users', entraUser(`deep-${randomUUID()}@contoso.com`));
  expect(created.status).toBe(201);
  userId = created.body.id as string;
});
afterAll(() => stack.close());

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('deeply nested bodies', () => {
  it('a PATCH value nested 10,000 deep answers 400 invalidSyntax, not 500', async () => {
    const body = `{"schemas":["${PATCH}"],"Operations":[{"op":"add","path":"title","value":${nested(10_000)}}]}`;
    const reply = await stack.call('PATCH', `/Users/${userId}`, body);
    expectWellFormed(reply, 'deep PATCH');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax' });
    expect(reply.body.detail).toMatch(/nested more than 64 levels/);
  });

  it('POST, PUT and .search bodies nested 10,000 deep (objects and arrays) answer 400 too', async () => {
    const arrays = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const [method, path, body] of [
      ['POST', '/Users', `{"userName":"x@y.z","title":${nested(10_000)}}`],
      ['PUT', `/Users/${userId}`, `{"userName":"x@y.z","emails":${arrays}}`],
      ['POST', '/Users/.search', `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":${nested(10_000)}}`],
    ] as const) {
      const reply = await stack.call(method, path, body);
      expectWellFormed(reply, `${method} ${path}`);
      expect(reply.status, `${method} ${path}`).toBe(400);
    }
  });

  it('ordinary nesting (an Entra user with extensions) is accepted', async () => {
    const reply = await stack.call('POST', '/Users', entraUser(`ok-${randomUUID()}@contoso.com`, { x: { a: { b: { c: [[{ d: 1 }]] } } } }));
    expect(reply.status).toBe(201);
  });
});

describe('broken percent-encoding in the path', () => {
  for (const path of ['/Users/%zz', '/Users/%', '/Users/%C3%28', '/Groups/%E0%A4%A', '/Users/%zz/x']) {
    it(`${path} answers a SCIM error`, async () => {
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(`${stack.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${stack.token}` } });
        const text = await res.text();
        if (path.endsWith('/x')) {
          expect(res.status).toBe(404); // no route: the host's own 404
          continue;
        }
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/scim+json');
        expect(JSON.parse(text)).toMatchObject({ schemas: [ERROR], status: '404' });
      }
    });
  }
});

describe('JSON parse errors', () => {
  it('say only that the body is not valid JSON: nothing of the body in the response or the activity log', async () => {
    const secretish = `tok-${randomUUID()}`;
    const reply = await stack.call('POST', '/Users', `{"userName": "${secretish}", oops`);
    expectWellFormed(reply, 'bad JSON');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax', detail: 'The request body is not valid JSON.' });
    expect(reply.text).not.toContain(secretish);
    await flushAllActivity();
    const services = await getServices();
    const page = await services.activity.store.page('default', {}, 50);
    const entry = page.entries.find((e) => e.status === 400 && e.method === 'POST');
    expect(entry).toBeDefined();
    expect(JSON.stringify(page.entries)).not.toContain(secretish);
  });
});

describe('SCIM_TOKEN at startup', () => {
  it('is refused when shorter than 32 characters or equal to the example placeholder, naming the setting', () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'local.settings.json.example'), 'utf8')) as { Values: { SCIM_TOKEN: string } };
    expect(() => loadConfig({ SCIM_TOKEN: example.Values.SCIM_TOKEN })).toThrow(/SCIM_TOKEN is still the example placeholder/);
    expect(() => loadConfig({ SCIM_TOKEN: 'x'.repeat(31) })).toThrow(/SCIM_TOKEN must be at least 32 characters \(got 31\)/);
    expect(() => loadConfig({ SCIM_TOKEN: 'x'.repeat(32) })).not.toThrow();
    expect(() => loadConfig({})).not.toThrow();
  });
});
