import { registerHttp } from '../lib/http/register.js';
import { patchHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-patch', { methods: ['PATCH'], authLevel: 'anonymous', route: 'Users/{id}', handler: patchHandler('User') });
