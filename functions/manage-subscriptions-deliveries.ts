// GET manage/subscriptions/{subscriptionId}/deliveries?limit=&cursor= → {deliveries: [...], nextCursor?}, newest first
import { SUBSCRIPTIONS_ROUTE, subscriptionsHandler } from '../lib/delivery/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-subscriptions-deliveries', {
  methods: ['GET'],
  authLevel: 'admin',
  route: `${SUBSCRIPTIONS_ROUTE}/{subscriptionId}/deliveries`,
  handler: subscriptionsHandler('deliveries', async (admin, { request }) => ({
    status: 200,
    body: await admin.deliveries(request.params.subscriptionId ?? '', request.query),
  })),
});
