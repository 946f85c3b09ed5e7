import { registerHttp } from '../lib/http/register.js';
import { listHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-list', { methods: ['GET'], authLevel: 'anonymous', route: 'Users', handler: listHandler('User') });
