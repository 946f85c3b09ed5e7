// Starts one in-memory Azurite (Table and Queue) for the whole test run, on a free loopback port.
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../dev/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    azuritePort: number;
    azuriteQueueConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ queue: true });
  project.provide('azuriteConnectionString', azurite.connectionString);
  project.provide('azuritePort', azurite.port);
  project.provide('azuriteQueueConnectionString', azurite.queueConnectionString as string);
  return () => azurite.stop();
}
