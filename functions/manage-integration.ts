// GET manage/integration: every tenant (with the built-in default one when SCIM_TOKEN is set) and this deployment's
// SCIM endpoint — what the console lists. authLevel 'admin': the host's master key (x-functions-key).
import { ActivityAdmin } from '../lib/activity/admin.js';
import { adminHandler } from '../lib/auth/admin-http.js';
import { baseUrlOf } from '../lib/http/request.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('manage-integration', {
  methods: ['GET'],
  authLevel: 'admin',
  route: 'manage/integration',
  handler: adminHandler('integration-list', async ({ request, services }) => ({
    status: 200,
    body: await new ActivityAdmin(services).list(baseUrlOf(request)),
  })),
});
