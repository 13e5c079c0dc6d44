import { badNumberCases, envErrorAbout } from '@waba/testing';
import { mediaArchiverDepsFromEnv, mediaSweepDepsFromEnv } from '@waba/media-archiver';

const VALID = {
  DATABASE_URL: 'postgres://user:pass@127.0.0.1:1/none',
  WHATSAPP_ACCESS_TOKEN: 'token',
  MEDIA_BUCKET: 'media-bucket',
  MEDIA_QUEUE_URL: 'http://127.0.0.1:1/000000000000/media',
};

describe('mediaArchiverDepsFromEnv() and mediaSweepDepsFromEnv()', () => {
  it('read a valid environment, defaults included', async () => {
    const archiver = await mediaArchiverDepsFromEnv(VALID);
    const sweep = await mediaSweepDepsFromEnv({ ...VALID, MEDIA_SWEEP_AFTER_SECONDS: '600' });

    expect(archiver).toMatchObject({ bucket: 'media-bucket', downloadTimeoutMs: 120_000 });
    expect(sweep).toMatchObject({ olderThanSeconds: 600, limit: 1000 });
    await archiver.db.destroy();
    await sweep.db.destroy();
  });

  it.each([
    ...badNumberCases([
      'DB_POOL_MAX',
      'MEDIA_DOWNLOAD_TIMEOUT_MS',
      'MEDIA_SWEEP_AFTER_SECONDS',
      'MEDIA_SWEEP_LIMIT',
    ]),
    ['MEDIA_SWEEP_AFTER_SECONDS', '10'],
    ['MEDIA_BUCKET', ''],
    ['MEDIA_QUEUE_URL', ''],
    ['WHATSAPP_GRAPH_VERSION', 'latest'],
  ])('refuse %s=%p, naming the variable', async (name, value) => {
    await expect(mediaArchiverDepsFromEnv({ ...VALID, [name]: value })).rejects.toThrow(
      envErrorAbout(name),
    );
    await expect(mediaSweepDepsFromEnv({ ...VALID, [name]: value })).rejects.toThrow(
      envErrorAbout(name),
    );
  });
});
