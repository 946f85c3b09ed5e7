// POST manage/subscriptions/{subscriptionId}/deliveries/{eventId}/redeliver → 200 (attempted now) or 202 (retry moved up)
import { SUBSCRIPTIONS_ROUTE, subscriptionsHandler } from '../lib/delivery/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-subscriptions-redeliver', {
  methods: ['POST'],
  authLevel: 'admin',
  route: `${SUBSCRIPTIONS_ROUTE}/{subscriptionId}/deliveries/{eventId}/redeliver`,
  handler: subscriptionsHandler('redeliver', async (admin, { request }) => {
    const { status, delivery } = await admin.redeliver(request.params.subscriptionId ?? '', request.params.eventId ?? '');
    return { status, body: { delivery } };
  }),
});
