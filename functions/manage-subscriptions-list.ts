// GET manage/subscriptions[?tenant=<id>] → {subscriptions: [...]} (never the secrets)
import { SUBSCRIPTIONS_ROUTE, subscriptionsHandler } from '../lib/delivery/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-subscriptions-list', {
  methods: ['GET'],
  authLevel: 'admin',
  route: SUBSCRIPTIONS_ROUTE,
  handler: subscriptionsHandler('list', async (admin, { request }) => ({ status: 200, body: await admin.list(request.query) })),
});
