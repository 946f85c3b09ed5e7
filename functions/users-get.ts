import { conditions } from '../lib/http/request.js';
import { resourceResponse, scopeOf } from '../lib/http/resource-response.js';
import { registerHttp } from '../lib/http/register.js';
import { scimResponse } from '../lib/http/responses.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { versionTag } from '../lib/scim/representation.js';
import { getResource, matchesAnyTag } from '../lib/scim/resource-service.js';

registerHttp('users-get', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'Users/{id}',
  handler: scimHandler('User', async (ctx) => {
    const user = await getResource(scopeOf(ctx), 'User', ctx.request.params.id);
    const { ifNoneMatch } = conditions(ctx.request);
    if (ifNoneMatch && matchesAnyTag(user, ifNoneMatch)) return scimResponse(304, undefined, { ETag: versionTag(user) });
    return resourceResponse(200, user, ctx);
  }),
});
