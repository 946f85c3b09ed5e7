// `npm run simulate -- --url <SCIM base URL> --token <bearer token> [options]`: acts as the Microsoft Entra ID
// provisioning service against any SCIM 2.0 endpoint and reports every error and every difference it finds.
// Exit code 0 only when there were no errors and no mismatches; 2 for usage errors.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createProgressBar,
  DEFAULT_MAPPING,
  formatReport,
  loadMappingConfig,
  runSimulation,
  type PatchMode,
  type SourceOptions,
} from './simulator/index.js';

const HELP = `Usage: npm run simulate -- --url <base> --token <token> [options]

Acts as the Microsoft Entra ID provisioning service against a SCIM endpoint: test connection, initial cycle,
incremental cycles with change sets, then verification of everything it wrote.

Target
  --url <url>            SCIM base URL (Entra's Tenant URL), e.g. http://localhost:7071/scim/v2
                         (?aadOptscim062020 on the URL selects compliant mode unless --mode says otherwise)
  --token <token>        bearer token (default: $SCIM_TOKEN)
  --mode <m>             PATCH dialect: default | compliant (Entra's aadOptscim062020 flag)
Source (synthetic unless --file)
  --users <n>            users (default 100)
  --groups <n>           groups (default 10)
  --members <n>          members per group (default 20)
  --seed <s>             random seed (default: random; printed in the report)
  --tag <t>              run tag in userPrincipalName domains and group names (default: random)
  --domain <d>           userPrincipalName domain (default <tag>.example.com)
  --file <json>          Microsoft Graph-shaped {"users":[...],"groups":[...]} instead of synthetic data
  --mapping <json>       attribute mapping config (see --print-mapping for the defaults)
  --print-mapping        print the default mapping config and exit
Run
  --concurrency <n>      requests in flight (default 8)
  --cycles <n>           incremental cycles after the initial one (default 2)
  --change-rate <f>      fraction of users per kind of change in each cycle (default 0.05)
  --member-batch <n>     members per group PATCH (default 10; the service's default limit is 16)
  --send-nulls           send null for unmapped attributes on create ("title": null), as older mappings do
  --skip-verify          do not read everything back at the end
  --cleanup              delete every user and group the run provisioned at the end
  --timeout <ms>         per-request timeout (default 60000)
  --trace <file>         write every request and response to <file> as JSON lines
Output
  --json                 print the report as JSON (stdout)
  --max-report <n>       errors/mismatches listed in the text report (default 20)
  --quiet                no progress bar
`;

function int(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got "${value}")`);
  return n;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      mode: { type: 'string' },
      users: { type: 'string' },
      groups: { type: 'string' },
      members: { type: 'string' },
      seed: { type: 'string' },
      tag: { type: 'string' },
      domain: { type: 'string' },
      file: { type: 'string' },
      mapping: { type: 'string' },
      'print-mapping': { type: 'boolean' },
      concurrency: { type: 'string' },
      cycles: { type: 'string' },
      'change-rate': { type: 'string' },
      'member-batch': { type: 'string' },
      'send-nulls': { type: 'boolean' },
      'skip-verify': { type: 'boolean' },
      cleanup: { type: 'boolean' },
      timeout: { type: 'string' },
      trace: { type: 'string' },
      json: { type: 'boolean' },
      'max-report': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values['print-mapping']) {
    process.stdout.write(`${JSON.stringify(DEFAULT_MAPPING, null, 2)}\n`);
    return 0;
  }
  const url = values.url;
  const token = values.token ?? process.env.SCIM_TOKEN;
  if (!url) throw new UsageError('--url is required');
  if (!token) throw new UsageError('--token is required (or set SCIM_TOKEN)');
  if (values.mode !== undefined && values.mode !== 'default' && values.mode !== 'compliant') throw new UsageError('--mode must be default or compliant');
  const changeRate = values['change-rate'] === undefined ? 0.05 : Number(values['change-rate']);
  if (!Number.isFinite(changeRate) || changeRate < 0 || changeRate > 1) throw new UsageError('--change-rate must be between 0 and 1');
  const source: SourceOptions = values.file
    ? { kind: 'file', file: values.file, seed: values.seed }
    : {
        kind: 'synthetic',
        users: int('users', values.users, 100, 1),
        groups: int('groups', values.groups, 10),
        members: int('members', values.members, 20),
        seed: values.seed,
        tag: values.tag,
        domain: values.domain,
      };
  const mapping = values.mapping ? await loadMappingConfig(values.mapping) : undefined;
  const progress = values.quiet ? undefined : createProgressBar(process.stderr);
  const trace = values.trace ? createWriteStream(values.trace) : undefined;
  const report = await runSimulation({
    url,
    token,
    mode: values.mode as PatchMode | undefined,
    source,
    mapping,
    concurrency: int('concurrency', values.concurrency, 8, 1),
    cycles: int('cycles', values.cycles, 2),
    changeRate,
    memberBatch: int('member-batch', values['member-batch'], 10, 1),
    sendNulls: values['send-nulls'] ?? false,
    verify: !values['skip-verify'],
    cleanup: values.cleanup ?? false,
    timeoutMs: int('timeout', values.timeout, 60_000, 1),
    onProgress: progress?.onProgress,
    onExchange: trace ? (e) => trace.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`) : undefined,
  });
  progress?.finish();
  if (trace) await new Promise<void>((resolve) => trace.end(resolve));
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report, { maxItems: int('max-report', values['max-report'], 20) })}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && /ERR_PARSE_ARGS/.test(String((error as NodeJS.ErrnoException).code)))) {
      process.stderr.write(`${error.message}\n\n${HELP}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
