// GET manage/tenants/{tenantId}/events?after=<cursor>&limit=<n>
// One tenant's change feed, oldest first from the cursor: {"events":[CloudEvent...],"next":"<cursor>"}.
import { ADMIN_ROUTE } from '../lib/auth/admin-http.js';
import { eventsHandler } from '../lib/events/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-tenant-events', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${ADMIN_ROUTE}/{tenantId}/events`,
  handler: eventsHandler('tenant-events', (admin, request) => admin.tenantPage(request.params.tenantId ?? '', request.query)),
});
