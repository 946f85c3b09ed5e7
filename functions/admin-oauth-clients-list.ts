import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { OAuthClientAdmin } from '../lib/auth/oauth/clients.js';
import { oauthSettingsFromEnv } from '../lib/auth/oauth/config.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-oauth-clients-list', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/oauth-clients`,
  handler: adminHandler('oauth-client-list', async ({ request, services }) => {
    const clients = await new OAuthClientAdmin(services.tenants, services.oauth, oauthSettingsFromEnv()).list(tenantParam(request));
    return { status: 200, body: { clients } };
  }),
});
