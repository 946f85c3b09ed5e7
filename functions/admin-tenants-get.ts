import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-get', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}`,
  handler: adminHandler('get', async ({ admin, request }) => ({ status: 200, body: await admin.show(tenantParam(request)) })),
});
