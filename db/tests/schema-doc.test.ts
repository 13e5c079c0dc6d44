import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaDoc, undocumentedSchemaObjects } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

describe('schema documentation', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it('has a COMMENT on every table, view and column', async () => {
    expect(await undocumentedSchemaObjects(t.db)).toEqual([]);
  });

  it('docs/schema.md matches the migrated schema (regenerate: npm run docs:schema)', async () => {
    const onDisk = readFileSync(join(__dirname, '../../docs/schema.md'), 'utf8');
    expect(onDisk).toBe(await renderSchemaDoc(t.db));
  });
});
