import { listResponse } from '../lib/http/list-response.js';
import { queryParams } from '../lib/http/request.js';
import { projectionOf, scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { listQueryFrom, listResources } from '../lib/scim/query.js';

registerHttp('users-list', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'Users',
  handler: scimHandler('User', async (ctx) => {
    const result = await listResources(scopeOf(ctx), 'User', listQueryFrom(queryParams(ctx.request)));
    return listResponse('User', result, ctx.baseUrl, projectionOf(ctx));
  }),
});
