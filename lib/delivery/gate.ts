// The delivery engine's storage calls, at most a few at a time per instance, each slot resting after a call in
// proportion to how long it took. Why: the engine shares the storage account (locally: one Azurite process) with the
// SCIM requests of the same host. However many streams are draining a backlog, the engine then has at most `slots`
// storage operations in flight, and slow ones (storage under load) make it back off instead of piling more work on:
// SCIM requests keep their share. Sends (webhooks, queue messages) are not gated: they are the streams' own work.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class StorageGate {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param slots storage calls in flight at most.
   * @param pauseRatio after a call of d ms its slot stays taken for d × pauseRatio ms more (at most maxPauseMs).
   */
  constructor(private readonly slots = 2, private readonly pauseRatio = 0.2, private readonly maxPauseMs = 200) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    const started = performance.now();
    try {
      return await fn();
    } finally {
      // The caller goes on at once; its slot rests before the next caller gets it.
      const pause = Math.min(this.maxPauseMs, (performance.now() - started) * this.pauseRatio);
      if (pause >= 1) void sleep(pause).then(() => this.release());
      else this.release();
    }
  }

  /** Hands the slot straight to the next caller (busy stays the same), or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }
}
