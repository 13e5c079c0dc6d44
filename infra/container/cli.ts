import { databaseUrlFromEnv } from '@waba/whatsapp/secrets';
import { cliFailure, runCli } from '../../local/src/cli';

/**
 * The operator CLI (local/src/cli.ts) inside the service container, e.g.
 * `aws ecs execute-command ... --command "node cli.mjs org list"`: the task's
 * DATABASE_SECRET_ARN (+ DATABASE_HOST) becomes the DATABASE_URL the CLI reads.
 */
async function main(): Promise<void> {
  process.env.DATABASE_URL ||= await databaseUrlFromEnv(process.env);
  await runCli(process.argv.slice(2));
}

main().catch((error: unknown) => process.exit(cliFailure(error)));
