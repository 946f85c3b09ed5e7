import { conditions } from '../lib/http/request.js';
import { scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimResponse } from '../lib/http/responses.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { deleteResource } from '../lib/scim/resource-service.js';

registerHttp('users-delete', {
  methods: ['DELETE'],
  authLevel: 'anonymous',
  route: 'Users/{id}',
  handler: scimHandler('User', async (ctx) => {
    await deleteResource(scopeOf(ctx), 'User', ctx.request.params.id, conditions(ctx.request));
    return scimResponse(204);
  }),
});
