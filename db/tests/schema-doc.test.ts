import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaDoc, undocumentedSchemaObjects } from '@waba/db';
import { useTestDatabase } from '@waba/testing';

describe('schema documentation', () => {
  const t = useTestDatabase();

  it('has a COMMENT on every table, view and column', async () => {
    expect(await undocumentedSchemaObjects(t.db)).toEqual([]);
  });

  it('docs/schema.md matches the migrated schema (regenerate: npm run docs:schema)', async () => {
    const onDisk = readFileSync(join(__dirname, '../../docs/schema.md'), 'utf8');
    expect(onDisk).toBe(await renderSchemaDoc(t.db));
  });
});
