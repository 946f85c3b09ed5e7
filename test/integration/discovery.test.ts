// Discovery documents describe exactly what is implemented (issue 2, item 6).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_PREFIX } from '../../lib/http/routes.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ SCIM_MAX_PAGE_SIZE: '500', SCIM_DEFAULT_PAGE_SIZE: '50' });
});
afterAll(() => stack.close());

describe('discovery', () => {
  it('host.json routes every function under the prefix the code builds URLs with', () => {
    const hostJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'host.json'), 'utf8'));
    expect(hostJson.extensions.http.routePrefix).toBe(ROUTE_PREFIX);
  });

  it('/ServiceProviderConfig states patch, filter, sort, etag, both pagination methods and the configured limits', async () => {
    const reply = await stack.call('GET', '/ServiceProviderConfig');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/scim+json');
    expect(reply.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 500 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true, defaultPageSize: 50, maxPageSize: 500 },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true }), expect.objectContaining({ type: 'oauth2', primary: false })],
      meta: { resourceType: 'ServiceProviderConfig', location: `${stack.baseUrl}/ServiceProviderConfig` },
    });
  });

  it('/Schemas lists User, the enterprise extension, the Looop extension and Group, with camel-case values and no nulls', async () => {
    const reply = await stack.call('GET', '/Schemas');
    expect(reply.status).toBe(200);
    const ids = reply.body.Resources.map((s: { id: string }) => s.id);
    expect(ids).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:extension:Looop:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
    expect(reply.text).not.toContain('null');
    const looop = await stack.call('GET', '/Schemas/urn:ietf:params:scim:schemas:extension:Looop:2.0:User');
    expect(looop.body.attributes.map((a: { name: string }) => a.name)).toEqual(['area', 'custom_1', 'custom_2', 'custom_3', 'department', 'employee_id', 'location', 'position', 'startAt']);
    for (const a of looop.body.attributes) expect(a).toMatchObject({ type: 'string', multiValued: false, mutability: 'readWrite', returned: 'default' });
    expect(looop.body.meta).toEqual({ resourceType: 'Schema', location: `${stack.baseUrl}/Schemas/urn:ietf:params:scim:schemas:extension:Looop:2.0:User` });
    const user = reply.body.Resources[0];
    expect(user.attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({ required: true, caseExact: false, uniqueness: 'server' });
    expect((await stack.call('GET', '/Schemas/urn:nope')).status).toBe(404);
  });

  it('/ResourceTypes names both types with their endpoints and extensions', async () => {
    const reply = await stack.call('GET', '/ResourceTypes');
    expect(reply.body.totalResults).toBe(2);
    const user = await stack.call('GET', '/ResourceTypes/User');
    expect(user.body).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [
        { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
        { schema: 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User', required: false },
      ],
    });
    expect((await stack.call('GET', '/ResourceTypes/Group')).body.endpoint).toBe('/Groups');
  });

  it('answers a filter on a discovery endpoint with 403, as RFC 7644 §4 asks', async () => {
    const reply = await stack.call('GET', '/Schemas?filter=id+eq+%22x%22');
    expect(reply.status).toBe(403);
    expect(reply.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });
});
