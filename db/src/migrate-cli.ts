import { createDb } from './connection';
import { migrateDown, migrateToLatest } from './migrate';

/** `npm run migrate` / `npm run migrate:down` against DATABASE_URL. */
async function main(): Promise<void> {
  const direction = process.argv[2] ?? 'up';
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    console.error('DATABASE_URL is not set (e.g. postgres://user:pass@localhost:5432/waba)');
    process.exit(2);
  }
  const db = createDb({ connectionString, max: 1 });
  try {
    const done = direction === 'down' ? await migrateDown(db) : await migrateToLatest(db);
    console.log(done.length ? done.join('\n') : 'nothing to do');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
