import { ADMIN_ROUTE, adminHandler } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-list', {
  methods: ['GET'],
  authLevel: 'admin',
  route: ADMIN_ROUTE,
  handler: adminHandler('list', async ({ admin }) => ({ status: 200, body: { tenants: await admin.list() } })),
});
