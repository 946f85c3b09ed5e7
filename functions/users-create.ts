import { registerHttp } from '../lib/http/register.js';
import { createHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-create', { methods: ['POST'], authLevel: 'anonymous', route: 'Users', handler: createHandler('User') });
