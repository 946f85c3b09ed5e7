// Helpers for the tenant and authentication tests: the tenants CLI run in-process (the same code `npm run tenants`
// runs), SCIM calls with a chosen bearer token, and direct access to the test file's table.
import { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';
import { runTenantsCli } from '../../tools/tenants-cli.js';
import type { ScimReply, Stack } from '../helpers/stack.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (commands run with --json). */
  // JSON output of arbitrary commands, inspected field by field by the tests.
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs `npm run tenants -- <args>` in-process against the environment startStack() configured. */
export async function cli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runTenantsCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: process.env });
  let json: unknown;
  try {
    json = stdout ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

export interface CreatedTenant {
  tenantId: string;
  name: string;
  token: string;
}

/** `tenants create --name <name> [more] --json`, expecting success. */
export async function createTenant(name: string, ...more: string[]): Promise<CreatedTenant> {
  const run = await cli('create', '--name', name, ...more, '--json');
  if (run.code !== 0) throw new Error(`tenants create failed (${run.code}): ${run.stderr}`);
  return run.json as CreatedTenant;
}

/** A SCIM call made with `token` instead of the stack's own. */
export function callAs(stack: Stack, token: string): (method: string, path: string, body?: unknown) => Promise<ScimReply> {
  return (method, path, body) => stack.call(method, path, body, { Authorization: `Bearer ${token}` });
}

/** The test file's table, read and written directly (bypassing the service). */
export function table(stack: Stack): TableClient {
  return TableClient.fromConnectionString(inject('azuriteConnectionString'), stack.tableName, { allowInsecureConnection: true });
}

export async function rowsOf(client: TableClient, partitionKey: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } })) rows.push(row);
  return rows;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
