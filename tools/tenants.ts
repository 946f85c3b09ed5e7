// Operator CLI for tenants and their tokens: `npm run --silent tenants -- help`. See tools/tenants-cli.ts.
import { runTenantsCli } from './tenants-cli.js';

const code = await runTenantsCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
process.exitCode = code;
