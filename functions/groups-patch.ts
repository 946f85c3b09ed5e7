import { registerHttp } from '../lib/http/register.js';
import { patchHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-patch', { methods: ['PATCH'], authLevel: 'anonymous', route: 'Groups/{id}', handler: patchHandler('Group') });
