// The queue trigger: the Functions host base64-decodes each message and parses its JSON, so `message` is the event.
// A thrown error makes the host retry the message (and after five tries move it to scim-events-poison).
import azureFunctions from '@azure/functions';
import { applyEvent, type AccessList, type ScimEvent } from '../access.js';

// Stand-in for the app's database.
const access: AccessList = new Map();

azureFunctions.app.storageQueue('scim-events', {
  queueName: 'scim-events',
  connection: 'SCIM_EVENTS_STORAGE',
  handler: async (message, context) => {
    context.log(applyEvent(access, message as ScimEvent));
  },
});
