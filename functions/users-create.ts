import { readJsonBody } from '../lib/http/request.js';
import { resourceResponse, scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { createResource } from '../lib/scim/resource-service.js';

registerHttp('users-create', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'Users',
  handler: scimHandler('User', async (ctx) => {
    const body = await readJsonBody(ctx.request, ctx.services.config.maxBodyBytes);
    return resourceResponse(201, await createResource(scopeOf(ctx), 'User', body), ctx);
  }),
});
