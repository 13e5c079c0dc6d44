import { databaseUrlFromEnv } from '@waba/db';

/**
 * The operator CLI (local/src/cli.ts) inside the service container, e.g.
 * `aws ecs execute-command ... --command "node cli.mjs org list"`: the task's
 * DATABASE_SECRET_ARN (+ DATABASE_HOST) becomes the DATABASE_URL the CLI reads.
 */
async function main(): Promise<void> {
  process.env.DATABASE_URL ||= await databaseUrlFromEnv(process.env);
  // The CLI runs on import; `.js` is how ESM names the TypeScript file (esbuild resolves it).
  await import('../../local/src/cli.js');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
