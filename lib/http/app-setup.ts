// The app-wide setup, done once, when the first function registers (lib/http/register.ts) — in the Functions worker,
// under the local host and in tests alike: inside the worker, every setting is checked (a malformed one fails the
// app's load, naming it); everywhere, what the activity log holds in memory is written before the process ends.
// Nothing else installs process-wide hooks.
import azureFunctions from '@azure/functions';
import { flushAllActivity, flushPendingActivity } from '../activity/activity-log.js';
import { loadSettings } from '../config.js';

let done = false;

export function setUpApp(inWorker: boolean): void {
  if (done) return;
  if (inWorker) loadSettings();
  done = true;
  // beforeExit fires when the event loop runs dry (the activity flush timer is unref'd): the flush keeps the process
  // alive until it is written, then beforeExit fires again with nothing left to do.
  process.on('beforeExit', flushPendingActivity);
  // In Azure, the worker is told when the host shuts it down (scale-in, restart, deployment): write what is queued.
  // (@azure/functions is CommonJS: only its default export works from ES modules.)
  if (inWorker) azureFunctions.app.hook.appTerminate(() => flushAllActivity());
}
