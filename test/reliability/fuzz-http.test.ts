// Fuzzing through the real HTTP surface (local host + Azurite): filters, PATCH bodies, resource bodies, headers and
// URLs. Property: every response is a well-formed SCIM response with a 2xx/3xx/4xx status (never 5xx, never a stack
// trace or storage text), and after each block the stored data satisfies the storage invariants.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { expectInvariants } from '../helpers/invariants.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import {
  attributeValue,
  authorization,
  brokenPercentSegment,
  deepBody,
  deepJson,
  contentType,
  CORE_GROUP,
  filterString,
  fuzzParams,
  groupBody,
  groupPath,
  hugeNumber,
  ifMatch,
  patchBody,
  PATCH_OP,
  printTally,
  resourceId,
  userBody,
  userPath,
  weirdString,
} from './arbitraries.js';
import { send } from './http.js';
import { expectWellFormed, pct, wellFormed } from './scim-assert.js';

let stack: Stack;
const users: string[] = [];
const groups: string[] = [];

async function call(method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const reply = await send(method, `${stack.baseUrl}${path}`, {
    body: text,
    headers: { Authorization: `Bearer ${stack.token}`, ...(text !== undefined ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
  });
  return { reply, sent: `${path} ${text ?? ''}` };
}

/** Responses by "<verb> <status>", printed at the end: evidence the generators reach success paths too. */
const statuses = new Map<string, number>();

async function check(method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}) {
  const { reply, sent } = await call(method, path, body, headers);
  const key = `${method} ${reply.status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  expectWellFormed(reply, `${method} ${path.slice(0, 200)} ${typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body)?.slice(0, 300)}`, { sent });
  return reply;
}

const invariants = () => expectInvariants(inject('azuriteConnectionString'), stack.tableName);

beforeAll(async () => {
  stack = await startStack();
  for (let i = 0; i < 6; i++) {
    const reply = await stack.call('POST', '/Users', entraUser(`fuzz-${i}@contoso.com`, { externalId: `fx-${i}` }));
    expect(reply.status).toBe(201);
    users.push(reply.body.id as string);
  }
  for (let i = 0; i < 3; i++) {
    const reply = await stack.call('POST', '/Groups', { schemas: [CORE_GROUP], displayName: `Fuzz group ${i}`, externalId: `gx-${i}`, members: users.slice(0, 3).map((value) => ({ value })) });
    expect(reply.status).toBe(201);
    groups.push(reply.body.id as string);
  }
});
afterAll(async () => {
  printTally('fuzz-http');
  console.log(`[fuzz] fuzz-http statuses: ${[...statuses].sort().map(([k, v]) => `${k}=${v}`).join(', ')}`);
  await stack.close();
});

describe('fuzz over HTTP: list queries', () => {
  it('GET /Users and /Groups with any filter, paging, sorting and projection', async () => {
    // Each optional parameter is absent most of the time and well-formed most of the time it is present, so the
    // filter decides the outcome often enough for list responses to be exercised too.
    const rarely = <T>(valid: fc.Arbitrary<T>, junk: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: valid }, { weight: 1, arbitrary: junk });
    const query = fc.record({
      filter: filterString,
      startIndex: rarely(fc.integer({ min: 1, max: 50 }).map(String), hugeNumber),
      count: rarely(fc.integer({ min: 0, max: 2000 }).map(String), hugeNumber),
      sortBy: rarely(fc.constantFrom('userName', 'displayName', 'meta.lastModified', 'emails', 'name.givenName', 'externalId'), fc.oneof(userPath, groupPath)),
      sortOrder: rarely(fc.constantFrom('ascending', 'descending', 'DESCENDING'), weirdString),
      attributes: rarely(fc.constantFrom('userName', 'displayName,members', 'emails.value', 'id'), fc.oneof(userPath, groupPath)),
      excludedAttributes: rarely(fc.constantFrom('members', 'groups', 'emails'), fc.oneof(userPath, groupPath)),
      cursor: fc.oneof(
        { weight: 16, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.oneof(fc.constant(''), weirdString, fc.base64String()) },
        // Well-formed cursors with hostile positions: the resume id goes into a storage query.
        { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.integer(), fc.constant(1e300)), fc.oneof(weirdString, fc.uuid())).map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Users', 'Groups'), query, async (endpoint, params) => {
        // Long filters do not fit in a URL (Node's 16 KiB header limit); they go through .search below.
        const qs = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${pct(v as string)}`).join('&');
        if (qs.length > 12_000) return;
        const reply = await check('GET', `/${endpoint}?${qs}`);
        if (reply.status === 200) {
          expect(reply.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
          expect(Array.isArray(reply.body.Resources)).toBe(true);
          expect(reply.body.Resources.length).toBeLessThanOrEqual(1000);
        }
      }),
      fuzzParams('http-list', 600),
    );
  });

  it('POST /.search with any SearchRequest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Users', 'Groups'),
        fc.oneof(
          fc.record(
            { schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:SearchRequest']), filter: filterString, startIndex: fc.oneof(fc.integer(), fc.constant(1e300)), count: fc.integer(), attributes: fc.array(userPath, { maxLength: 3 }), sortBy: userPath },
            { requiredKeys: ['schemas'] },
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        async (endpoint, body) => {
          await check('POST', `/${endpoint}/.search`, body);
        },
      ),
      fuzzParams('http-search', 200),
    );
    await invariants();
  });
});

describe('fuzz over HTTP: resource bodies', () => {
  it('POST /Users and /Groups with any body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(userBody(users).map((b) => ['Users', b] as const), groupBody(users).map((b) => ['Groups', b] as const)), async ([endpoint, body]) => {
        const reply = await check('POST', `/${endpoint}`, body);
        if (reply.status === 201) {
          expect(reply.body.id).toMatch(/^[0-9a-f-]{36}$/);
          expect(reply.headers.get('location')).toContain(reply.body.id);
        }
      }),
      fuzzParams('http-post', 400),
    );
    await invariants();
  });

  it('PUT /Users/{id} and /Groups/{id} with any body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('Users'), fc.constantFrom(...users.slice(3)), userBody(users)),
          fc.tuple(fc.constant('Groups'), fc.constantFrom(...groups), groupBody(users)),
        ),
        async ([endpoint, id, body]) => {
          await check('PUT', `/${endpoint}/${id}`, body);
        },
      ),
      fuzzParams('http-put', 200),
    );
    await invariants();
  });

  it('answers 413 to 10 MB bodies (declared and chunked) and 400 to a resource too large to store', async () => {
    const huge = JSON.stringify({ userName: 'x'.repeat(10 * 1024 * 1024) });
    expect((await check('POST', '/Users', huge)).status).toBe(413);
    // No Content-Length: a streamed body of unknown size.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
        controller.enqueue(new TextEncoder().encode('{"userName":"'));
        for (let i = 0; i < 10; i++) controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    const streamed = await fetch(`${stack.baseUrl}/Users`, {
      method: 'POST',
      body: stream,
      headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/scim+json' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { schemas: unknown }).schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect((await check('POST', '/Users/.search', { filter: `userName eq "${'x'.repeat(10 * 1024 * 1024)}"` })).status).toBe(413);
    expect((await check('PATCH', `/Users/${users[0]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x'.repeat(10 * 1024 * 1024) }] })).status).toBe(413);
    // Under the body limit but over what one entity may hold.
    expect((await check('POST', '/Users', { userName: `big-${Date.now()}`, title: 'é'.repeat(450_000) })).status).toBe(400);
    expect((await check('PATCH', `/Users/${users[0]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'y'.repeat(900_000) }] })).status).toBe(400);
    // A unique name over the 32K-character property limit of Table Storage (copied into index and membership rows).
    const longName = await check('POST', '/Users', { userName: `${'n'.repeat(100_000)}-${Date.now()}` });
    expect([201, 400]).toContain(longName.status);
    if (longName.status === 201) {
      const added = await check('PATCH', `/Groups/${groups[0]}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: longName.body.id }] }] });
      expect([204, 400]).toContain(added.status);
    }
    await invariants();
  });
});

describe('fuzz over HTTP: PATCH', () => {
  it('PATCH /Users/{id} with any body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...users), patchBody(userPath, users, 'User'), async (id, body) => {
        const reply = await check('PATCH', `/Users/${id}`, body);
        if (reply.status === 200) expect(reply.body.id).toBe(id);
      }),
      fuzzParams('http-patch-user', 450),
    );
    await invariants();
  });

  it('PATCH /Groups/{id} with any body, members included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...groups), patchBody(groupPath, [...users, ...groups], 'Group'), async (id, body) => {
        await check('PATCH', `/Groups/${id}`, body);
      }),
      fuzzParams('http-patch-group', 300),
    );
    await invariants();
  });
});

describe('fuzz over HTTP: headers', () => {
  it('any content type, authorization, If-Match / If-None-Match on every verb', async () => {
    const target = fc.oneof(
      fc.constantFrom(...users).map((id) => ['GET', `/Users/${id}`] as const),
      fc.constantFrom(...users).map((id) => ['PATCH', `/Users/${id}`] as const),
      fc.constantFrom(...users.slice(3)).map((id) => ['PUT', `/Users/${id}`] as const),
      fc.constantFrom(...groups).map((id) => ['PATCH', `/Groups/${id}`] as const),
      fc.constant(['POST', '/Users'] as const),
      fc.constant(['GET', '/Users?filter=userName%20eq%20%22fuzz-1%40contoso.com%22'] as const),
      fc.uuid().map((id) => ['DELETE', `/Users/${id}`] as const),
      fc.constant(['GET', '/ServiceProviderConfig'] as const),
      fc.constant(['GET', '/Schemas'] as const),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.constant(JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Header fuzz' }] })),
      fc.constant(JSON.stringify(entraUser('fuzz-3@contoso.com'))),
      attributeValue().map((v) => JSON.stringify(v) ?? ''),
      weirdString,
    );
    await fc.assert(
      fc.asyncProperty(target, contentType, authorization(stack.token), ifMatch, ifMatch, body, async ([method, path], type, auth, match, noneMatch, payload) => {
        const effectiveBody = method === 'GET' || method === 'DELETE' ? undefined : payload;
        const reply = await send(method, `${stack.baseUrl}${path}`, {
          body: effectiveBody === undefined ? undefined : wellFormed(effectiveBody),
          headers: { Authorization: auth, 'Content-Type': type, 'If-Match': match, 'If-None-Match': noneMatch },
        });
        expectWellFormed(reply, `${method} ${path} auth=${auth?.slice(0, 60)} ct=${type} if-match=${match} if-none-match=${noneMatch} body=${effectiveBody?.slice(0, 200)}`, {
          sent: `${path} ${effectiveBody ?? ''}`,
        });
        if (reply.status === 401) expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }),
      fuzzParams('http-headers', 400),
    );
    await invariants();
  });
});

describe('fuzz over HTTP: URLs', () => {
  it('ids with / ? # % and unicode, percent-encoded, on every resource verb', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT'), fc.constantFrom('Users', 'Groups', 'users', 'GROUPS'), resourceId([]), async (method, endpoint, id) => {
        const body = method === 'PATCH' ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } : method === 'PUT' ? { userName: 'x', displayName: 'x' } : undefined;
        // `.` and `..` are dot-segments: URL normalization removes them before the request is sent.
        const dots = id === '.' || id === '..';
        const { reply, sent } = await call(method, `/${endpoint}/${pct(id)}`, body);
        expectWellFormed(reply, `${method} /${endpoint}/${pct(id)}`, { sent, allowHostLevel: dots });
        expect([200, 400, 404]).toContain(reply.status);
      }),
      fuzzParams('http-url-encoded', 300),
    );
  });

  it('raw ids and query strings (undecodable %, stray ? and #): SCIM answers, or the host refuses the URL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE'), fc.constantFrom('Users', 'Groups', 'Schemas', 'ResourceTypes'), resourceId(users), weirdString, async (method, endpoint, id, query) => {
        const url = `${stack.baseUrl}/${endpoint}/${wellFormed(id)}?${wellFormed(query)}`;
        let reply;
        try {
          reply = await send(method, url, { headers: { Authorization: `Bearer ${stack.token}` } });
        } catch (error) {
          // fetch refuses some URLs client-side; nothing reached the server.
          expect(error).toBeInstanceOf(TypeError);
          return;
        }
        expectWellFormed(reply, `${method} ${url}`, { allowHostLevel: true, sent: url });
      }),
      fuzzParams('http-url-raw', 200),
    );
    await invariants();
  });
});

describe('fuzz over HTTP: deep nesting and broken percent-encoding (issue 15)', () => {
  it('bodies nested past 64 levels (up to 20,000) in PATCH values, attributes, .search and whole bodies: 400, never 5xx', async () => {
    const target = fc.oneof(
      fc.constantFrom(...users).map((id) => ['PATCH', `/Users/${id}`, 'patch'] as const),
      fc.constantFrom(...groups).map((id) => ['PATCH', `/Groups/${id}`, 'patch-ops'] as const),
      fc.constant(['POST', '/Users', 'attribute'] as const),
      fc.constantFrom(...users.slice(3)).map((id) => ['PUT', `/Users/${id}`, 'attribute'] as const),
      fc.constant(['POST', '/Users/.search', 'search'] as const),
      fc.constant(['POST', '/Groups', 'whole'] as const),
    );
    await fc.assert(
      fc.asyncProperty(target, deepJson, async ([method, path, where], deep) => {
        const body = deepBody(deep, where);
        const reply = await check(method, path, body);
        expect(reply.status, `${method} ${path} ${where}`).toBe(400);
        expect(reply.body.scimType).toBe('invalidSyntax');
      }),
      fuzzParams('http-deep-nesting', 120),
    );
    await invariants();
  });

  it('ids with broken percent-encoding on every resource verb answer a SCIM error (no bodiless host answer)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT'), fc.constantFrom('Users', 'Groups'), brokenPercentSegment, async (method, endpoint, segment) => {
        const body = method === 'PATCH' ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } : method === 'PUT' ? { userName: 'x', displayName: 'x' } : undefined;
        const reply = await check(method, `/${endpoint}/${segment}`, body);
        expect([400, 404], `${method} /${endpoint}/${segment}`).toContain(reply.status);
      }),
      fuzzParams('http-url-broken-percent', 200),
    );
    await invariants();
  });
});
