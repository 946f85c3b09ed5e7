import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-revoke', {
  methods: ['POST'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/revoke`,
  handler: adminHandler('revoke', async ({ admin, request }) => ({ status: 200, body: await admin.revoke(tenantParam(request)) })),
});
