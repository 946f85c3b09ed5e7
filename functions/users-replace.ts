import { registerHttp } from '../lib/http/register.js';
import { replaceHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-replace', { methods: ['PUT'], authLevel: 'anonymous', route: 'Users/{id}', handler: replaceHandler('User') });
