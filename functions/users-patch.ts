import { conditions, readJsonBody } from '../lib/http/request.js';
import { resourceResponse, scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { patchResource } from '../lib/scim/resource-service.js';

registerHttp('users-patch', {
  methods: ['PATCH'],
  authLevel: 'anonymous',
  route: 'Users/{id}',
  handler: scimHandler('User', async (ctx) => {
    const body = await readJsonBody(ctx.request, ctx.services.config.maxBodyBytes);
    const user = await patchResource(scopeOf(ctx), 'User', ctx.request.params.id, body, conditions(ctx.request));
    return resourceResponse(200, user, ctx);
  }),
});
