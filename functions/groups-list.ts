import { registerHttp } from '../lib/http/register.js';
import { listHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-list', { methods: ['GET'], authLevel: 'anonymous', route: 'Groups', handler: listHandler('Group') });
