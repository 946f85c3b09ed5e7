import { registerHttp } from '../lib/http/register.js';
import { createHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-create', { methods: ['POST'], authLevel: 'anonymous', route: 'Groups', handler: createHandler('Group') });
