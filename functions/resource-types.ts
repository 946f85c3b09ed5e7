import { registerHttp } from '../lib/http/register.js';
import { scimResponse } from '../lib/http/responses.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { rejectDiscoveryFilter, resourceTypesDocument } from '../lib/scim/discovery.js';

registerHttp('resource-types', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'ResourceTypes/{id?}',
  handler: scimHandler('ResourceType', async (ctx) => {
    rejectDiscoveryFilter(ctx.request.query.get('filter'));
    return scimResponse(200, resourceTypesDocument(ctx.baseUrl, ctx.request.params.id));
  }),
});
