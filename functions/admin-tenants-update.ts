import { ADMIN_ROUTE, adminHandler, nullableStringField, numberField, readAdminBody, stringField, tenantParam } from '../lib/auth/admin-http.js';
import { AdminError, type UpdateTenantInput } from '../lib/tenants/tenant-admin.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-update', {
  methods: ['PATCH'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}`,
  handler: adminHandler('update', async (ctx) => {
    const { admin, request } = ctx;
    const body = await readAdminBody(ctx, ['name', 'status', 'jwtIssuerTenant', 'requestsPerMinute']);
    const status = stringField(body, 'status');
    if (status !== undefined && status !== 'active' && status !== 'suspended') throw new AdminError(400, 'status must be "active" or "suspended".');
    const changes: UpdateTenantInput = {
      name: stringField(body, 'name'),
      status,
      jwtIssuerTenant: nullableStringField(body, 'jwtIssuerTenant'),
      requestsPerMinute: numberField(body, 'requestsPerMinute', true),
    };
    return { status: 200, body: await admin.update(tenantParam(request), changes) };
  }),
});
