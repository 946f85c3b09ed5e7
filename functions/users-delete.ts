import { registerHttp } from '../lib/http/register.js';
import { deleteHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-delete', { methods: ['DELETE'], authLevel: 'anonymous', route: 'Users/{id}', handler: deleteHandler('User') });
