import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-delete', {
  methods: ['DELETE'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}`,
  handler: adminHandler('delete', async ({ admin, request }) => ({ status: 200, body: await admin.delete(tenantParam(request)) })),
});
