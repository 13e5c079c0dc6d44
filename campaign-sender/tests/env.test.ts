import { badNumberCases, envErrorAbout, graphUrlsFromEnv } from '@waba/testing';
import { campaignDepsFromEnv } from '@waba/campaign-sender';

const VALID = {
  DATABASE_URL: 'postgres://user:pass@127.0.0.1:1/none',
  WHATSAPP_ACCESS_TOKEN: 'token',
  CAMPAIGN_QUEUE_URL: 'http://127.0.0.1:1/000000000000/campaign',
};

describe('campaignDepsFromEnv()', () => {
  it('reads a valid environment, defaults included', async () => {
    const deps = await campaignDepsFromEnv({ ...VALID, CAMPAIGN_RATE_PER_SECOND: '12.5' });
    expect(deps).toMatchObject({ defaultRatePerSecond: 12.5, sliceMs: 45_000 });
    await deps.db.destroy();
  });

  it.each([
    ...badNumberCases(['DB_POOL_MAX', 'CAMPAIGN_RATE_PER_SECOND', 'CAMPAIGN_SLICE_SECONDS']),
    ['CAMPAIGN_RATE_PER_SECOND', '0'],
    // Meta's fastest throughput per number is 1,000 messages/s.
    ['CAMPAIGN_RATE_PER_SECOND', '1001'],
    ['CAMPAIGN_QUEUE_URL', ''],
  ])('refuses %s=%p, naming the variable', async (name, value) => {
    const start = campaignDepsFromEnv({ ...VALID, [name]: value });

    await expect(start).rejects.toThrow(envErrorAbout(name));
  });

  it('calls Graph at WHATSAPP_GRAPH_VERSION', async () => {
    expect(await graphUrlsFromEnv(campaignDepsFromEnv, VALID, 'v26.0')).toEqual([
      '/v26.0/123/messages',
    ]);
  });

  it('refuses a WHATSAPP_GRAPH_VERSION that is not a version', async () => {
    const start = campaignDepsFromEnv({ ...VALID, WHATSAPP_GRAPH_VERSION: 'latest' });

    await expect(start).rejects.toThrow(envErrorAbout('WHATSAPP_GRAPH_VERSION'));
  });
});
