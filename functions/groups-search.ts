import { registerHttp } from '../lib/http/register.js';
import { searchHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-search', { methods: ['POST'], authLevel: 'anonymous', route: 'Groups/.search', handler: searchHandler('Group') });
