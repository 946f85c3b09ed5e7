import { ADMIN_ROUTE, adminHandler, numberField, readAdminBody, stringField } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('admin-tenants-create', {
  methods: ['POST'],
  authLevel: 'admin',
  route: ADMIN_ROUTE,
  handler: adminHandler('create', async (ctx) => {
    const { admin, request } = ctx;
    const body = await readAdminBody(ctx, ['name', 'jwtIssuerTenant', 'requestsPerMinute']);
    const created = await admin.create({
      name: stringField(body, 'name') ?? '',
      jwtIssuerTenant: stringField(body, 'jwtIssuerTenant'),
      requestsPerMinute: numberField(body, 'requestsPerMinute'),
    });
    return { status: 201, body: created };
  }),
});
