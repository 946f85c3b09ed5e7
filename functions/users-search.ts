import { registerHttp } from '../lib/http/register.js';
import { searchHandler } from '../lib/http/resource-verbs.js';

registerHttp('users-search', { methods: ['POST'], authLevel: 'anonymous', route: 'Users/.search', handler: searchHandler('User') });
