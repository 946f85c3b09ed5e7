// POST manage/subscriptions {"url"|"queue", "tenant"?, "types"?} → 201 {id, …, secret (webhooks; shown once)}
import { readBody, SUBSCRIPTIONS_ROUTE, subscriptionsHandler } from '../lib/delivery/http.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-subscriptions-create', {
  methods: ['POST'],
  authLevel: 'admin',
  route: SUBSCRIPTIONS_ROUTE,
  handler: subscriptionsHandler('create', async (admin, ctx) => ({ status: 201, body: await admin.create(await readBody(ctx)) })),
});
