// Writes docs/schema.md from a freshly migrated throwaway database (embedded Postgres).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDb, migrateToLatest, renderSchemaDoc, undocumentedSchemaObjects } from '@waba/db';
import { startEmbeddedPostgres } from './services/postgres';

async function main(): Promise<void> {
  const pg = await startEmbeddedPostgres({ fsync: false });
  const db = createDb({ connectionString: pg.adminUrl, max: 1 });
  try {
    await migrateToLatest(db);
    const missing = await undocumentedSchemaObjects(db);
    if (missing.length) console.warn(`without a COMMENT: ${missing.join(', ')}`);
    const file = resolve(__dirname, '../../docs/schema.md');
    writeFileSync(file, await renderSchemaDoc(db));
    console.log(`wrote ${file}`);
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
