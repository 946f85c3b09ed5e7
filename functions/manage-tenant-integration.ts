// GET manage/tenants/{tenantId}/integration: the tenant's SCIM Integration panel — the SCIM endpoint (Tenant URL) and
// when its tokens were issued (never the tokens). Token resets are POST manage/tenants/{tenantId}/reset-token.
import { ActivityAdmin } from '../lib/activity/admin.js';
import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { baseUrlOf } from '../lib/http/request.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-tenant-integration', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/integration`,
  handler: adminHandler('integration', async ({ request, services }) => ({
    status: 200,
    body: await new ActivityAdmin(services).integration(tenantParam(request), baseUrlOf(request)),
  })),
});
