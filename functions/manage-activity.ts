// GET manage/tenants/{tenantId}/activity?outcome=&status=&resourceType=&method=&since=&until=&name=&resourceId=&limit=&cursor=
// The tenant's SCIM activity, newest first, one page at a time (nextCursor for the next, older page).
import { ActivityAdmin } from '../lib/activity/admin.js';
import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-activity', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/activity`,
  handler: adminHandler('activity', async ({ request, services }) => ({
    status: 200,
    body: await new ActivityAdmin(services).page(tenantParam(request), request.query),
  })),
});
