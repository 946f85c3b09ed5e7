// Issue 2's end-to-end behaviour through the real HTTP surface (local host + Azurite).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('Entra test connection', () => {
  it('answers a userName query for an unknown guid with 200 and an empty ListResponse in application/scim+json', async () => {
    const reply = await stack.call('GET', `/Users?filter=userName+eq+%22${randomUUID()}%22`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/scim+json');
    expect(reply.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });

  it('accepts %20-encoded spaces in the filter as well', async () => {
    const reply = await stack.call('GET', `/Users?filter=userName%20eq%20%22${randomUUID()}%22`);
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(0);
  });
});

describe('user lifecycle as Entra drives it', () => {
  it('creates from Entra\'s exact body, reads it back, rejects a case-variant duplicate, replaces and deletes', async () => {
    const created = await stack.call('POST', '/Users', entraUser('Jo.Young@contoso.com'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.get('location')).toBe(`${stack.baseUrl}/Users/${id}`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body.meta).toMatchObject({ resourceType: 'User', location: `${stack.baseUrl}/Users/${id}`, version: 'W/"1"' });
    expect(Date.parse(created.body.meta.created)).not.toBeNaN();
    expect(created.body.schemas).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      LOOOP,
    ]);
    expect(created.body).not.toHaveProperty('title');
    expect(created.body).not.toHaveProperty('roles');

    const got = await stack.call('GET', `/Users/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    expect(got.body.userName).toBe('Jo.Young@contoso.com');
    expect(got.body[LOOOP]).toEqual(entraUser('x')[LOOOP]);
    expect(got.body.emails).toEqual([{ primary: true, type: 'work', value: 'Jo.Young@contoso.com' }]);

    const duplicate = await stack.call('POST', '/Users', entraUser('jo.young@CONTOSO.com'));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });

    const replaced = await stack.call('PUT', `/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'Jo.Young@contoso.com',
      active: false,
      name: { givenName: 'Joanna', familyName: 'Young' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.meta.version).toBe('W/"2"');
    const afterPut = await stack.call('GET', `/Users/${id}`);
    expect(afterPut.body.name).toEqual({ givenName: 'Joanna', familyName: 'Young' });
    expect(afterPut.body.active).toBe(false);
    expect(afterPut.body).not.toHaveProperty('emails');
    expect(afterPut.body).not.toHaveProperty(LOOOP);
    expect(afterPut.body.meta.created).toBe(created.body.meta.created);

    const deleted = await stack.call('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    const gone = await stack.call('GET', `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
    const free = await stack.call('POST', '/Users', entraUser('jo.young@contoso.com'));
    expect(free.status).toBe(201);
  });

  it('accepts active as the strings "True"/"False" and extension data whose URN is not listed in schemas', async () => {
    const body = entraUser('string.bools@contoso.com', { active: 'False', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] });
    const created = await stack.call('POST', '/Users', body);
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(false);
    expect(created.body[LOOOP].position).toBe('Account Executive');
  });

  it('finds a user by userName in any letter case, and by externalId, with one ListResponse', async () => {
    await stack.call('POST', '/Users', entraUser('Case.Lookup@contoso.com'));
    const byName = await stack.call('GET', '/Users?filter=' + encodeURIComponent('userName eq "case.lookup@CONTOSO.com"'));
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0].userName).toBe('Case.Lookup@contoso.com');
    const byExternal = await stack.call('GET', '/Users?filter=externalId+eq+Case.Lookup');
    expect(byExternal.body.totalResults).toBe(1);
  });
});

describe('uniqueness under concurrency', () => {
  it('lets exactly one of 20 concurrent POSTs of one new userName succeed, and stores one user', async () => {
    const userName = `race-${randomUUID()}@contoso.com`;
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.call('POST', '/Users', entraUser(i % 2 ? userName.toUpperCase() : userName))));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const found = await stack.call('GET', '/Users?filter=' + encodeURIComponent(`userName eq "${userName}"`));
    expect(found.body.totalResults).toBe(1);
    const all = await stack.call('GET', '/Users?count=1000');
    expect(all.body.Resources.filter((u: { userName: string }) => u.userName.toLowerCase() === userName)).toHaveLength(1);
  });
});

describe('bad input gets a SCIM error, never a 500', () => {
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string | undefined][] = [
    ['malformed JSON', () => stack.call('POST', '/Users', '{"userName": '), 400, 'invalidSyntax'],
    ['a JSON array instead of an object', () => stack.call('POST', '/Users', '[]'), 400, 'invalidSyntax'],
    ['a missing userName', () => stack.call('POST', '/Users', { schemas: [] }), 400, 'invalidValue'],
    ['a userName of the wrong type', () => stack.call('POST', '/Users', { userName: 42 }), 400, 'invalidValue'],
    ['active that is not a boolean', () => stack.call('POST', '/Users', { userName: 'x@y', active: 'maybe' }), 400, 'invalidValue'],
    ['a wrong content type', () => stack.call('POST', '/Users', 'userName=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, undefined],
    ['an unknown id', () => stack.call('GET', `/Users/${randomUUID()}`), 404, undefined],
    ['an id that is not one of ours', () => stack.call('GET', '/Users/..%2F..%2Fetc%3Fx%23y'), 404, undefined],
    ['a body over the size limit', () => stack.call('POST', '/Users', { userName: 'big@x', title: 'x'.repeat(1_100_000) }), 413, undefined],
  ];
  it.each(cases)('%s', async (_name, send, status, scimType) => {
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.body.schemas).toEqual([ERROR]);
    expect(reply.body.status).toBe(String(status));
    if (scimType) expect(reply.body.scimType).toBe(scimType);
    else expect(reply.body.scimType).toBeUndefined();
    expect(JSON.stringify(reply.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('accepts application/json with a charset as well as application/scim+json', async () => {
    const reply = await stack.call('POST', '/Users', { userName: `json-${randomUUID()}` }, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(reply.status).toBe(201);
  });

  it.each([
    ['no Authorization header', {} as Record<string, string>],
    ['a wrong token', { Authorization: 'Bearer not-the-token' }],
    ['a non-Bearer scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('answers 401 with WWW-Authenticate for %s', async (_name, headers) => {
    const res = await fetch(`${stack.baseUrl}/Users`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toMatchObject({ schemas: [ERROR], status: '401' });
  });
});
