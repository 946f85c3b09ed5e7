// GET manage/events?after=<cursor>&limit=<n>[&tenant=<tenantId>]
// The change feed of every tenant (or of one, with tenant=): {"events":[CloudEvent...],"next":"<cursor>"}.
import { eventsHandler } from '../lib/events/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-events', {
  methods: ['GET'],
  authLevel: 'admin',
  route: 'manage/events',
  handler: eventsHandler('events', (admin, request) => admin.allPage(request.query)),
});
