import { registerHttp } from '../lib/http/register.js';
import { getHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-get', { methods: ['GET'], authLevel: 'anonymous', route: 'Users/{id}', handler: getHandler('User') });
