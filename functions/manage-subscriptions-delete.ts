// DELETE manage/subscriptions/{subscriptionId} → 204; delivery stops, its records go with it.
import { SUBSCRIPTIONS_ROUTE, subscriptionsHandler } from '../lib/delivery/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-subscriptions-delete', {
  methods: ['DELETE'],
  authLevel: 'admin',
  route: `${SUBSCRIPTIONS_ROUTE}/{subscriptionId}`,
  handler: subscriptionsHandler('delete', async (admin, { request }) => {
    await admin.delete(request.params.subscriptionId ?? '');
    return { status: 204 };
  }),
});
