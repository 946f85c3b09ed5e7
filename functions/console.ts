// GET manage/console: the operator console page (static; anonymous, because it holds no data — it asks for the admin
// key and sends it as x-functions-key to the manage/* API). See lib/activity/README-console.md.
import { CONSOLE_HEADERS, CONSOLE_HTML } from '../lib/activity/console/page.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('console', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'manage/console',
  handler: async () => ({ status: 200, headers: { ...CONSOLE_HEADERS }, body: CONSOLE_HTML }),
});
