// Delivery to an Azure Storage Queue of the service's own storage account: each message is the CloudEvent JSON,
// base64-encoded (what an Azure Functions queue trigger decodes by default). Locally Azurite's Queue service through a
// connection string; in Azure the account's queue endpoint with the managed identity (no keys).
import type { QueueServiceClient, StoragePipelineOptions } from '@azure/storage-queue';
import type { DeliveryConfig } from './config.js';
import type { AttemptOutcome } from './webhook-sender.js';

/** Azure's limit for one message (after base64). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
const TIMEOUT_MS = 8000;

/** Queue names (Azure's rules): 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
export function isQueueName(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name);
}

export class QueueNotConfiguredError extends Error {
  constructor() {
    super('Queue delivery is not configured: set SCIM_QUEUE_ENDPOINT (Azure) or SCIM_QUEUE_CONNECTION_STRING.');
    this.name = 'QueueNotConfiguredError';
  }
}

const pipeline: StoragePipelineOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } };

export class QueueSender {
  private client: Promise<QueueServiceClient> | undefined;

  constructor(private readonly config: Pick<DeliveryConfig, 'queueConnectionString' | 'queueEndpoint'>, private readonly env: NodeJS.ProcessEnv = process.env) {}

  get configured(): boolean {
    return Boolean(this.config.queueConnectionString || this.config.queueEndpoint);
  }

  private service(): Promise<QueueServiceClient> {
    this.client ??= (async () => {
      // Imported on first use: the queue SDK (with its XML stack) is a fifth of the bundle, and a cold start of the
      // SCIM endpoint should not pay for it.
      const { QueueServiceClient } = await import('@azure/storage-queue');
      if (this.config.queueConnectionString) return QueueServiceClient.fromConnectionString(this.config.queueConnectionString, pipeline);
      if (!this.config.queueEndpoint) throw new QueueNotConfiguredError();
      // Imported lazily: @azure/identity is large and only needed in Azure.
      const { DefaultAzureCredential } = await import('@azure/identity');
      return new QueueServiceClient(this.config.queueEndpoint, new DefaultAzureCredential({ managedIdentityClientId: this.env.AZURE_CLIENT_ID }), pipeline);
    })();
    return this.client;
  }

  /** Creates the queue when absent (idempotent). */
  async ensureQueue(name: string): Promise<void> {
    if (!this.configured) throw new QueueNotConfiguredError();
    await (await this.service()).getQueueClient(name).createIfNotExists({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
  }

  async send(name: string, body: string): Promise<AttemptOutcome> {
    const message = Buffer.from(body, 'utf8').toString('base64');
    if (message.length > MAX_MESSAGE_BYTES) {
      return { ok: false, permanent: true, error: `the event is ${message.length} bytes base64-encoded; a queue message holds at most ${MAX_MESSAGE_BYTES}` };
    }
    try {
      const queue = (await this.service()).getQueueClient(name);
      try {
        await queue.sendMessage(message, { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
      } catch (error) {
        // The queue was deleted after the subscription was made: create it again rather than fail for a day.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        await queue.createIfNotExists({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
        await queue.sendMessage(message, { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
      }
      return { ok: true, statusCode: 201 };
    } catch (error) {
      const e = error as { statusCode?: number; code?: string; message?: string };
      return { ok: false, statusCode: e.statusCode, error: `${e.code ?? 'QueueError'}: ${String(e.message ?? error).split('\n')[0].slice(0, 200)}` };
    }
  }
}
