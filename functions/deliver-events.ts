// Timer, every second: the delivery engine drains the change feed into the subscriptions (lib/delivery/engine.ts).
// The Functions host runs one timer invocation at a time across instances; the engine's leases keep it safe anyway.
import { getDeliveryServices } from '../lib/delivery/services.js';
import { registerTimer } from '../lib/http/register.js';

registerTimer('deliver-events', {
  schedule: '*/1 * * * * *',
  handler: async (_timer, context) => {
    const report = await (await getDeliveryServices()).engine.tick();
    if (report.running > 0) context.log(JSON.stringify({ event: 'delivery.tick', ...report }));
  },
});
