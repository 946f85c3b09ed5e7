import { registerHttp } from '../lib/http/register.js';
import { deleteHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-delete', { methods: ['DELETE'], authLevel: 'anonymous', route: 'Groups/{id}', handler: deleteHandler('Group') });
