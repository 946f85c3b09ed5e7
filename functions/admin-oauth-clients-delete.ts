import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { OAuthClientAdmin } from '../lib/auth/oauth/clients.js';
import { oauthSettingsFromEnv } from '../lib/auth/oauth/config.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-oauth-clients-delete', {
  methods: ['DELETE'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/oauth-clients/{clientId}`,
  handler: adminHandler('oauth-client-delete', async ({ request, services }) => {
    const admin = new OAuthClientAdmin(services.tenants, services.oauth, oauthSettingsFromEnv());
    return { status: 200, body: await admin.delete(tenantParam(request), request.params.clientId ?? '') };
  }),
});
