import { conditions, readJsonBody } from '../lib/http/request.js';
import { resourceResponse, scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { replaceResource } from '../lib/scim/resource-service.js';

registerHttp('users-replace', {
  methods: ['PUT'],
  authLevel: 'anonymous',
  route: 'Users/{id}',
  handler: scimHandler('User', async (ctx) => {
    const body = await readJsonBody(ctx.request, ctx.services.config.maxBodyBytes);
    const user = await replaceResource(scopeOf(ctx), 'User', ctx.request.params.id, body, conditions(ctx.request));
    return resourceResponse(200, user, ctx);
  }),
});
