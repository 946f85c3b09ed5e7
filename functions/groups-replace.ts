import { registerHttp } from '../lib/http/register.js';
import { replaceHandler } from '../lib/http/resource-verbs.js';

registerHttp('groups-replace', { methods: ['PUT'], authLevel: 'anonymous', route: 'Groups/{id}', handler: replaceHandler('Group') });
