// The delivery engine's storage calls, one at a time per instance, with a pause after each in proportion to how long
// it took. Why: the engine shares the storage account (locally: one Azurite process) with the SCIM requests of the
// same host. However many streams are draining a backlog, the engine then holds at most one storage operation at a
// time, and a slow one (storage under load) makes the engine back off instead of piling more work on it: SCIM
// requests keep their share. Sends (webhooks, queue messages) are not gated: they are the streams' own work.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class StorageGate {
  private tail: Promise<void> = Promise.resolve();

  /**
   * @param pauseRatio after a call of d ms the gate stays closed for d × pauseRatio ms (at most maxPauseMs): the
   *   engine then spends at most 1 / (1 + pauseRatio) of its time in storage.
   */
  constructor(private readonly pauseRatio = 0.5, private readonly maxPauseMs = 1000) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        const pause = Math.min(this.maxPauseMs, (performance.now() - started) * this.pauseRatio);
        if (pause >= 1) await sleep(pause);
      }
    });
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}
