// Starts one in-memory Azurite (Table) for the whole test run, on a free loopback port.
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../lib/dev/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    azuritePort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  project.provide('azuritePort', azurite.port);
  return () => azurite.stop();
}
