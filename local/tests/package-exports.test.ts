import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerEnvSchema } from '@waba/answer-worker/env';
import { campaignEnvSchema } from '@waba/campaign-sender/env';
import { maintenanceEnvSchema } from '@waba/db/env';
import { processorEnvSchema } from '@waba/db-processor/env';
import { receiverEnvSchema } from '@waba/webhook-receiver/env';

const ROOT = join(__dirname, '..', '..');

/** Each library or consumer package, and the env contract its `./env` entry point carries (imported through it). */
const PACKAGES = [
  ['answer-worker', answerEnvSchema],
  ['campaign-sender', campaignEnvSchema],
  ['db-processor', processorEnvSchema],
  ['db', maintenanceEnvSchema],
  ['webhook-receiver', receiverEnvSchema],
  ['whatsapp', undefined],
] as const;

const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    exports?: Record<string, string>;
  };

describe.each(PACKAGES)('package %s', (dir, envSchema) => {
  it('names its public entry points in `exports`', () => {
    expect(manifest(dir).exports?.['.']).toBe('./src/index.ts');
  });

  it('names what it exports instead of re-exporting whole modules', () => {
    const index = readFileSync(join(ROOT, dir, 'src/index.ts'), 'utf8');
    expect(index).not.toMatch(/^export (type )?\* from/m);
  });

  it('reaches no module the entry points do not name', () => {
    const name = manifest(dir).name;
    expect(() => require.resolve(`${name}/src/errors`)).toThrow();
  });

  if (envSchema) {
    it('exposes its environment contract at ./env', () => {
      expect(manifest(dir).exports?.['./env']).toBe('./src/env.schema.ts');
      expect(envSchema.shape).toHaveProperty(
        dir === 'webhook-receiver' ? 'INGEST_QUEUE_URL' : 'DATABASE_URL',
      );
    });
  }
});
