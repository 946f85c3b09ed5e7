import { registerHttp } from '../lib/http/register.js';
import { getHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-get', { methods: ['GET'], authLevel: 'anonymous', route: 'Groups/{id}', handler: getHandler('Group') });
