import { ADMIN_ROUTE, adminHandler, numberField, readAdminBody, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-reset-token', {
  methods: ['POST'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/reset-token`,
  handler: adminHandler('reset-token', async (ctx) => {
    const { admin, request } = ctx;
    const body = await readAdminBody(ctx, ['graceSeconds']);
    return { status: 200, body: await admin.resetToken(tenantParam(request), { graceSeconds: numberField(body, 'graceSeconds') }) };
  }),
});
