import { registerHttp } from '../lib/http/register.js';
import { scimResponse } from '../lib/http/responses.js';
import { scimHandler } from '../lib/http/scim-handler.js';
import { rejectDiscoveryFilter, serviceProviderConfig } from '../lib/scim/discovery.js';

registerHttp('service-provider-config', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'ServiceProviderConfig',
  handler: scimHandler('ServiceProviderConfig', async (ctx) => {
    rejectDiscoveryFilter(ctx.request.query.get('filter'));
    return scimResponse(200, serviceProviderConfig(ctx.services.config, ctx.baseUrl));
  }),
});
