import { registerHttp } from '../lib/http/register.js';
import { scimResponse } from '../lib/http/responses.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { rejectDiscoveryFilter, schemasDocument } from '../lib/scim/discovery.js';

registerHttp('schemas', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'Schemas/{id?}',
  handler: scimHandler('Schema', async (ctx) => {
    rejectDiscoveryFilter(ctx.request.query.get('filter'));
    return scimResponse(200, schemasDocument(ctx.baseUrl, ctx.request.params.id));
  }),
});
