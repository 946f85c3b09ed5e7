import { ADMIN_ROUTE, adminHandler, readAdminBody, stringField, tenantParam } from '../lib/auth/admin-http.js';
import { OAuthClientAdmin } from '../lib/auth/oauth/clients.js';
import { oauthSettingsFromEnv } from '../lib/auth/oauth/config.js';
import { baseUrlOf } from '../lib/http/request.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-oauth-clients-create', {
  methods: ['POST'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/oauth-clients`,
  handler: adminHandler('oauth-client-create', async (ctx) => {
    const { request, services } = ctx;
    const body = await readAdminBody(ctx, ['name', 'scope', 'federation']);
    const created = await new OAuthClientAdmin(services.tenants, services.oauth, oauthSettingsFromEnv()).create(
      tenantParam(request),
      { name: stringField(body, 'name'), scope: stringField(body, 'scope'), federation: body.federation },
      baseUrlOf(request),
    );
    return { status: 201, body: created };
  }),
});
