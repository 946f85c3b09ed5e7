// GET manage/console: the operator console page (static; anonymous at the host, because it holds no data). In Azure
// App Service Authentication signs the operator in before the page loads; locally the page asks for the admin key.
// See docs/console.md.
import { CONSOLE_PAGE } from '../lib/activity/console/page.js';
import { adminAuthMode } from '../lib/auth/admin-access.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('console', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'manage/console',
  handler: async () => ({ status: 200, headers: { ...CONSOLE_PAGE.headers }, body: CONSOLE_PAGE.html[adminAuthMode()] }),
});
