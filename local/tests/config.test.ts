import { EnvError } from '@waba/whatsapp';
import { badNumberCases, envErrorAbout } from '@waba/testing';
import { DEFAULT_BUNDLE_DIR, DEV_DEFAULTS, loadConfig } from '../src/config';

const OWN_SECRETS = {
  WHATSAPP_APP_SECRET: 'own-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'own-verify-token',
  WHATSAPP_ACCESS_TOKEN: 'own-access-token',
};

describe('loadConfig()', () => {
  it('defaults everything on loopback and lists the dev defaults it used', () => {
    const { config, defaulted } = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, sqsMaxMessageBytes: 262_144 });
    expect(config.ingest.windowSeconds).toBe(0.2);
    expect(defaulted).toContain(`WHATSAPP_APP_SECRET=${DEV_DEFAULTS.WHATSAPP_APP_SECRET}`);
  });

  it.each([
    ...badNumberCases([
      'PORT',
      'EMBEDDED_PG_PORT',
      'SQS_MAX_MESSAGE_BYTES',
      'ANSWER_DELAY_SECONDS',
      'CAMPAIGN_RATE_PER_SECOND',
      'INGEST_BATCH_SIZE',
      'INGEST_BATCHING_WINDOW_SECONDS',
      'INGEST_CONCURRENCY',
    ]),
    ['PORT', '70000'],
  ])('refuses %s=%p, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(envErrorAbout(name));
  });

  it.each(['0.0.0.0', '::', '192.168.1.20'])(
    'refuses the published dev secrets on HOST=%s',
    (host) => {
      const start = () => loadConfig({ HOST: host });

      expect(start).toThrow(EnvError);
      expect(start).toThrow(/WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN/);
    },
  );

  it('refuses a dev secret set explicitly on a public HOST, and names only that one', () => {
    expect(() =>
      loadConfig({
        ...OWN_SECRETS,
        HOST: '0.0.0.0',
        WHATSAPP_VERIFY_TOKEN: DEV_DEFAULTS.WHATSAPP_VERIFY_TOKEN,
      }),
    ).toThrow(/set WHATSAPP_VERIFY_TOKEN \(/);
  });

  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1'])(
    'allows the dev secrets on loopback HOST=%s',
    (host) => {
      expect(loadConfig({ HOST: host }).config.host).toBe(host);
    },
  );

  it('starts on a public HOST with secrets of its own', () => {
    expect(loadConfig({ ...OWN_SECRETS, HOST: '0.0.0.0' }).config.appSecret).toBe('own-app-secret');
  });

  it.each([
    [{}, undefined],
    [{ LOCAL_HANDLERS: 'source', LOCAL_BUNDLE_DIR: 'elsewhere' }, undefined],
    [{ LOCAL_HANDLERS: 'bundle' }, DEFAULT_BUNDLE_DIR],
    [{ LOCAL_HANDLERS: 'bundle', LOCAL_BUNDLE_DIR: 'elsewhere' }, 'elsewhere'],
  ])('runs the Lambdas from bundles only when asked (%p)', (env, bundleDir) => {
    expect(loadConfig(env).config.bundleDir).toBe(bundleDir);
  });

  it('refuses an unknown LOCAL_HANDLERS, naming the variable', () => {
    expect(() => loadConfig({ LOCAL_HANDLERS: 'bundles' })).toThrow(
      envErrorAbout('LOCAL_HANDLERS'),
    );
  });
});
