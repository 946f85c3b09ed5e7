// GET manage/tenants/{tenantId}/events/recent?before=<cursor>&limit=<n>
// The console's Events panel: the tenant's newest events first, {"events":[...],"older":"<cursor>"?}.
import { ADMIN_ROUTE } from '../lib/auth/admin-http.js';
import { eventsHandler } from '../lib/events/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-tenant-events-recent', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/events/recent`,
  handler: eventsHandler('tenant-events-recent', (admin, request) => admin.recentPage(request.params.tenantId ?? '', request.query)),
});
