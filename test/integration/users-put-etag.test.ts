// Issue 4 through the real HTTP surface: PUT as full replacement (RFC 7644 §3.5.1) and versioning: meta.version and
// ETag on every single-resource response, If-Match on PUT/PATCH/DELETE (412), If-None-Match on GET (304).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_USER, ENTERPRISE, ERROR, LOOOP, patchOp, stored } from '../helpers/population.js';
import { startStack, type ScimReply, type Stack } from '../helpers/stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let stack: Stack;
const replies: { request: string; status: number }[] = [];

async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply> {
  const reply = await stack.call(method, path, body, headers);
  replies.push({ request: `${method} ${path}`, status: reply.status });
  return reply;
}

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

function entraUser(extra: Json = {}): Json {
  const userName = `grace-${randomUUID()}@contoso.com`;
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: `ext-${randomUUID()}`,
    userName,
    active: true,
    displayName: 'Grace Hopper',
    title: 'Rear Admiral',
    name: { formatted: 'Grace Hopper', familyName: 'Hopper', givenName: 'Grace' },
    emails: [{ primary: true, type: 'work', value: userName }],
    phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
    meta: { resourceType: 'User' },
    [ENTERPRISE]: { employeeNumber: '1906', department: 'Navy' },
    [LOOOP]: { area: 'AMER', location: 'Arlington' },
    ...extra,
  };
}

async function create(extra: Json = {}): Promise<ScimReply> {
  const reply = await call('POST', '/Users', entraUser(extra));
  expect(reply.status, reply.text).toBe(201);
  return reply;
}

/** ETag header and meta.version agree, and name the version. */
function expectVersion(reply: ScimReply, version: number): void {
  expect(reply.headers.get('etag')).toBe(`W/"${version}"`);
  expect(reply.body.meta.version).toBe(`W/"${version}"`);
}

function expectScimError(reply: ScimReply, status: number, scimType?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body).toMatchObject({ schemas: [ERROR], status: String(status) });
  expect(reply.body.detail).toEqual(expect.any(String));
  if (scimType) expect(reply.body.scimType).toBe(scimType);
}

// ---------------------------------------------------------------------------------------------------------------
// PUT

describe('PUT replaces the whole user', () => {
  it('attributes left out of the body are removed; sent ones are stored as sent; created stays', async () => {
    const created = await create();
    const id = created.body.id;
    const body = {
      schemas: [CORE_USER, LOOOP],
      externalId: created.body.externalId,
      userName: created.body.userName,
      active: 'False',
      name: { givenName: 'Grace', familyName: 'Brewster Murray Hopper' },
      emails: [{ type: 'home', value: 'grace@home.example' }],
      [LOOOP]: { area: 'EMEA' },
      title: null,
    };
    const put = await call('PUT', `/Users/${id}`, body);
    expect(put.status, put.text).toBe(200);
    expectVersion(put, 2);
    const got = await call('GET', `/Users/${id}`);
    expect(stored(got.body)).toEqual({
      schemas: [CORE_USER, LOOOP],
      externalId: created.body.externalId,
      userName: created.body.userName,
      active: false,
      name: { givenName: 'Grace', familyName: 'Brewster Murray Hopper' },
      emails: [{ type: 'home', value: 'grace@home.example' }],
      [LOOOP]: { area: 'EMEA' },
    });
    expect(got.body.id).toBe(id);
    expect(got.body.meta.created).toBe(created.body.meta.created);
    expect(Date.parse(got.body.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(created.body.meta.lastModified));
    expect(stored(put.body)).toEqual(stored(got.body));
  });

  it('readOnly attributes in the body are ignored: id, meta, groups', async () => {
    const created = await create();
    const id = created.body.id;
    const otherId = randomUUID();
    const body = {
      ...entraUser({ userName: created.body.userName, externalId: created.body.externalId }),
      id: otherId,
      meta: { resourceType: 'Group', created: '2001-01-01T00:00:00Z', lastModified: '2001-01-01T00:00:00Z', version: 'W/"99"', location: 'https://evil.example/x' },
      groups: [{ value: randomUUID(), display: 'Admins' }],
    };
    const put = await call('PUT', `/Users/${id}`, body);
    expect(put.status, put.text).toBe(200);
    const got = await call('GET', `/Users/${id}`);
    expect(got.body.id).toBe(id);
    expect(got.body).not.toHaveProperty('groups');
    expect(got.body.meta).toMatchObject({ resourceType: 'User', created: created.body.meta.created, version: 'W/"2"', location: `${stack.baseUrl}/Users/${id}` });
    expect((await call('GET', `/Users/${otherId}`)).status).toBe(404);
  });

  it('required attributes are enforced: no userName, or an empty one, is 400 and nothing changes', async () => {
    const created = await create();
    const id = created.body.id;
    const { userName: _drop, ...withoutUserName } = entraUser();
    for (const body of [withoutUserName, entraUser({ userName: '' }), entraUser({ userName: null }), entraUser({ userName: 42 })]) {
      const reply = await call('PUT', `/Users/${id}`, body);
      expectScimError(reply, 400, 'invalidValue');
    }
    expect((await call('GET', `/Users/${id}`)).body).toEqual(created.body);
  });

  it('a body that is not a user is 400, an unknown id 404, a wrong content type 415', async () => {
    const created = await create();
    expectScimError(await call('PUT', `/Users/${created.body.id}`, '[1,2]'), 400, 'invalidSyntax');
    expectScimError(await call('PUT', `/Users/${created.body.id}`, '{"userName": '), 400, 'invalidSyntax');
    expectScimError(await call('PUT', `/Users/${created.body.id}`, entraUser({ active: 'sometimes' })), 400, 'invalidValue');
    expectScimError(await call('PUT', `/Users/${randomUUID()}`, entraUser()), 404);
    expect((await call('PUT', `/Users/${created.body.id}`, 'x', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await call('GET', `/Users/${created.body.id}`)).body).toEqual(created.body);
  });

  it('rename by PUT frees the old userName and takes the new one', async () => {
    const created = await create();
    const oldName = created.body.userName;
    const newName = `renamed-${randomUUID()}@contoso.com`;
    const put = await call('PUT', `/Users/${created.body.id}`, entraUser({ userName: newName, externalId: created.body.externalId }));
    expect(put.status, put.text).toBe(200);
    const byNew = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${newName.toUpperCase()}"`)}`);
    expect(byNew.body.Resources.map((u: Json) => u.id)).toEqual([created.body.id]);
    expect((await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${oldName}"`)}`)).body.totalResults).toBe(0);
    expect((await call('POST', '/Users', entraUser({ userName: oldName }))).status).toBe(201);
    const clash = await call('POST', '/Users', entraUser({ userName: newName }));
    expectScimError(clash, 409, 'uniqueness');
  });

  it('renaming by PUT onto an existing userName is 409 uniqueness and changes nothing', async () => {
    const other = await create();
    const created = await create();
    const put = await call('PUT', `/Users/${created.body.id}`, entraUser({ userName: other.body.userName.toUpperCase(), title: 'Changed' }));
    expectScimError(put, 409, 'uniqueness');
    expect((await call('GET', `/Users/${created.body.id}`)).body).toEqual(created.body);
    expect((await call('GET', `/Users/${other.body.id}`)).body).toEqual(other.body);
  });

  it('PUT changes externalId and the externalId lookup follows', async () => {
    const created = await create();
    const newExternal = `ext-new-${randomUUID()}`;
    const put = await call('PUT', `/Users/${created.body.id}`, entraUser({ userName: created.body.userName, externalId: newExternal }));
    expect(put.status).toBe(200);
    const byNew = await call('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${newExternal}"`)}`);
    expect(byNew.body.Resources.map((u: Json) => u.id)).toEqual([created.body.id]);
    const byOld = await call('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${created.body.externalId}"`)}`);
    expect(byOld.body.totalResults).toBe(0);
  });

  it('concurrent renames of two users onto one new userName: exactly one wins', async () => {
    const a = await create();
    const b = await create();
    const target = `contested-${randomUUID()}@contoso.com`;
    const [ra, rb] = await Promise.all([
      call('PUT', `/Users/${a.body.id}`, entraUser({ userName: target })),
      call('PUT', `/Users/${b.body.id}`, entraUser({ userName: target.toUpperCase() })),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const found = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${target}"`)}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(ra.status === 200 ? a.body.id : b.body.id);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Versions and conditional requests

describe('meta.version and ETag', () => {
  it('every single-resource response carries ETag = meta.version, and each write changes it', async () => {
    const created = await create();
    const id = created.body.id;
    expectVersion(created, 1);
    expectVersion(await call('GET', `/Users/${id}`), 1);

    const put = await call('PUT', `/Users/${id}`, entraUser({ userName: created.body.userName, title: 'Commodore' }));
    expectVersion(put, 2);
    expectVersion(await call('GET', `/Users/${id}`), 2);

    const patched = await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'Rear Admiral' }]));
    expectVersion(patched, 3);
    const got = await call('GET', `/Users/${id}`);
    expectVersion(got, 3);

    // Projection does not change the tag.
    expectVersion(await call('GET', `/Users/${id}?attributes=userName,meta`), 3);
    const projected = await call('GET', `/Users/${id}?attributes=userName`);
    expect(projected.headers.get('etag')).toBe('W/"3"');

    // A PATCH that changes nothing keeps the version.
    expectVersion(await call('PATCH', `/Users/${id}`, patchOp([])), 3);
    expectVersion(await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'Rear Admiral' }])), 3);
  });

  it('ServiceProviderConfig advertises etag support', async () => {
    const reply = await call('GET', '/ServiceProviderConfig');
    expect(reply.body.etag).toEqual({ supported: true });
  });
});

describe('If-Match on PUT, PATCH and DELETE', () => {
  it('a stale tag is 412 with a SCIM error and nothing changes', async () => {
    const created = await create();
    const id = created.body.id;
    await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'v2' }]));
    const current = await call('GET', `/Users/${id}`);
    expectVersion(current, 2);
    const stale = { 'If-Match': 'W/"1"' };

    expectScimError(await call('PUT', `/Users/${id}`, entraUser({ userName: created.body.userName }), stale), 412);
    expectScimError(await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'lost' }]), stale), 412);
    expectScimError(await call('DELETE', `/Users/${id}`, undefined, stale), 412);
    expectScimError(await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'lost' }]), { 'If-Match': '"999"' }), 412);

    expect((await call('GET', `/Users/${id}`)).body).toEqual(current.body);
  });

  it('the current tag works, in weak or strong form', async () => {
    const created = await create();
    const id = created.body.id;
    const patched = await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'v2' }]), { 'If-Match': 'W/"1"' });
    expect(patched.status, patched.text).toBe(200);
    expectVersion(patched, 2);
    const put = await call('PUT', `/Users/${id}`, entraUser({ userName: created.body.userName, title: 'v3' }), { 'If-Match': '"2"' });
    expect(put.status, put.text).toBe(200);
    expectVersion(put, 3);
    const listed = await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'v4' }]), { 'If-Match': 'W/"1", W/"3"' });
    expect(listed.status, listed.text).toBe(200);
    expectVersion(listed, 4);
    expect((await call('GET', `/Users/${id}`)).body.title).toBe('v4');
    const deleted = await call('DELETE', `/Users/${id}`, undefined, { 'If-Match': 'W/"4"' });
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
  });

  it('If-Match: * matches any existing version', async () => {
    const created = await create();
    const id = created.body.id;
    const put = await call('PUT', `/Users/${id}`, entraUser({ userName: created.body.userName }), { 'If-Match': '*' });
    expect(put.status).toBe(200);
    const patched = await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'False' }]), { 'If-Match': '*' });
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
    expect((await call('DELETE', `/Users/${id}`, undefined, { 'If-Match': '*' })).status).toBe(204);
  });

  it('If-Match on a user that does not exist is 404, not 412', async () => {
    expectScimError(await call('PATCH', `/Users/${randomUUID()}`, patchOp([]), { 'If-Match': '*' }), 404);
  });

  it('two writers holding the same version: exactly one wins, the other gets 412 (no lost update)', async () => {
    const created = await create();
    const id = created.body.id;
    const [a, b] = await Promise.all([
      call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'writer A' }]), { 'If-Match': 'W/"1"' }),
      call('PUT', `/Users/${id}`, entraUser({ userName: created.body.userName, title: 'writer B' }), { 'If-Match': 'W/"1"' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const got = await call('GET', `/Users/${id}`);
    expectVersion(got, 2);
    expect(got.body.title).toBe(a.status === 200 ? 'writer A' : 'writer B');
  });
});

describe('If-None-Match on GET', () => {
  it('the current tag gives 304 with the ETag and no body; a stale one gives 200', async () => {
    const created = await create();
    const id = created.body.id;
    const notModified = await call('GET', `/Users/${id}`, undefined, { 'If-None-Match': 'W/"1"' });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.get('etag')).toBe('W/"1"');

    await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: 'changed' }]));
    const modified = await call('GET', `/Users/${id}`, undefined, { 'If-None-Match': 'W/"1"' });
    expect(modified.status).toBe(200);
    expectVersion(modified, 2);
    expect(modified.body.title).toBe('changed');
    expect((await call('GET', `/Users/${id}`, undefined, { 'If-None-Match': 'W/"2"' })).status).toBe(304);
    expect((await call('GET', `/Users/${id}`, undefined, { 'If-None-Match': '*' })).status).toBe(304);
  });

  it('If-None-Match on a user that does not exist is 404', async () => {
    expectScimError(await call('GET', `/Users/${randomUUID()}`, undefined, { 'If-None-Match': '*' }), 404);
  });
});

describe('the whole suite', () => {
  it('never got a 5xx', () => {
    expect(replies.length).toBeGreaterThan(50);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
  });
});
