// GET manage/tenants/{tenantId}/activity/summary?gapMinutes=&until=&since=
// The tenant's last sync: requests by outcome, status and resource type, first/last seen, resources created, updated,
// disabled, re-enabled and deleted, the most frequent errors and a timeline (see lib/activity/summary.ts).
import { ActivityAdmin } from '../lib/activity/admin.js';
import { ADMIN_ROUTE, adminHandler, tenantParam } from '../lib/auth/admin-http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-activity-summary', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/activity/summary`,
  handler: adminHandler('activity-summary', async ({ request, services }) => ({
    status: 200,
    body: await new ActivityAdmin(services).summary(tenantParam(request), request.query),
  })),
});
