import { listResponse } from '../lib/http/list-response.js';
import { readJsonBody } from '../lib/http/request.js';
import { scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { listResources } from '../lib/scim/query.js';
import { parseSearchRequest } from '../lib/scim/search-request.js';

registerHttp('users-search', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'Users/.search',
  handler: scimHandler('User', async (ctx) => {
    const { query, projection } = parseSearchRequest(await readJsonBody(ctx.request, ctx.services.config.maxBodyBytes));
    return listResponse('User', await listResources(scopeOf(ctx), 'User', query), ctx.baseUrl, projection);
  }),
});
