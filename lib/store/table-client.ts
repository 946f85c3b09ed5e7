// Builds the TableClient from configuration: a connection string (Azurite, local) or a table endpoint reached with a
// managed identity (Azure; no account keys). Retries are bounded so a storage outage answers quickly instead of hanging.
import type { TableClient, TableServiceClientOptions } from '@azure/data-tables';
import { loadTablesSdk } from './tables-sdk.js';
import { SettingsReader } from '../settings-reader.js';

export interface StorageConfig {
  connectionString?: string;
  tableEndpoint?: string;
  tableName: string;
}

export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const r = new SettingsReader(env);
  const connectionString = r.text('SCIM_STORAGE_CONNECTION_STRING');
  const tableEndpoint = r.text('SCIM_TABLE_ENDPOINT');
  if (!connectionString && !tableEndpoint) {
    throw new Error('Storage is not configured: set SCIM_STORAGE_CONNECTION_STRING (local) or SCIM_TABLE_ENDPOINT (Azure, managed identity).');
  }
  return { connectionString, tableEndpoint, tableName: r.tableName('SCIM_TABLE_NAME', 'scim') };
}

const clientOptions: TableServiceClientOptions = {
  retryOptions: { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 500},
};

/** A client for `config.tableName`; `options` replaces the default client options (the activity table uses its own). */
export async function createTableClient(config: StorageConfig, options: TableServiceClientOptions = clientOptions, env: NodeJS.ProcessEnv = process.env): Promise<TableClient> {
  const { TableClient } = await loadTablesSdk();
  if (config.connectionString) {
    const insecure = /(^|;)\s*(UseDevelopmentStorage=true|DefaultEndpointsProtocol=http)(;|$)/i.test(config.connectionString) ||
      /TableEndpoint=http:/i.test(config.connectionString);
    return TableClient.fromConnectionString(config.connectionString, config.tableName, { ...options, allowInsecureConnection: insecure });
  }
  // Imported lazily: @azure/identity is large and only needed in Azure.
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential({ managedIdentityClientId: env.AZURE_CLIENT_ID });
  return new TableClient(config.tableEndpoint as string, config.tableName, credential, options);
}
