import { badNumberCases, envErrorAbout } from '@waba/whatsapp/testing';
import { serviceSettingsFromEnv } from '../src/pipeline-service';
import { serviceEnvFromEnv } from '../src/service-env.schema';

describe('serviceSettingsFromEnv()', () => {
  const urls = { INGEST_QUEUE_URL: 'https://q/ingest', ANSWER_QUEUE_URL: 'https://q/answer' };

  it.each([
    ...badNumberCases([
      'INGEST_BATCH_SIZE',
      'ANSWER_CONCURRENCY',
      'CAMPAIGN_TIMEOUT_SECONDS',
      'DB_POOL_MAX',
      'SQS_WAIT_TIME_SECONDS',
    ]),
    ['SQS_WAIT_TIME_SECONDS', '21'],
  ])('refuses %s=%p, naming the variable', (name, value) => {
    expect(() => serviceSettingsFromEnv({ ...urls, [name]: value })).toThrow(envErrorAbout(name));
  });

  it.each(badNumberCases(['STATS_INTERVAL_SECONDS', 'SHUTDOWN_TIMEOUT_SECONDS']))(
    'refuses %s=%p for the service process, naming the variable',
    (name, value) => {
      expect(() => serviceEnvFromEnv({ ...urls, [name]: value })).toThrow(envErrorAbout(name));
    },
  );
});
