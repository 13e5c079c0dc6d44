import { appsFromSecret, type SecretSource } from '@waba/webhook-receiver';

const FILLED = JSON.stringify({ '123': { secrets: ['s1'], verifyToken: 'v1' } });

/** A secret whose value the test changes, counting reads. */
function secret(initial: string): SecretSource & { value: string; reads: number } {
  const s = {
    value: initial,
    reads: 0,
    async read() {
      s.reads++;
      return s.value;
    },
  };
  return s;
}

describe('appsFromSecret()', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('finds an app moments after the placeholder {} was filled in', async () => {
    const source = secret('{}');
    const apps = appsFromSecret(source, 'arn:apps', 300_000, { now: clock });
    expect(await apps.get('123')).toBeUndefined();

    source.value = FILLED;
    now += 1;

    expect(await apps.get('123')).toMatchObject({ appId: '123', verifyToken: 'v1' });
    expect(source.reads).toBe(2);
  });

  it('finds an app added to the secret while the document is cached', async () => {
    const source = secret(FILLED);
    const apps = appsFromSecret(source, 'arn:apps', 300_000, { now: clock });
    expect(await apps.get('123')).toBeDefined();

    source.value = JSON.stringify({
      ...(JSON.parse(FILLED) as object),
      '456': { secrets: ['s2'], verifyToken: 'v2' },
    });
    now += 1_000;

    expect(await apps.get('456')).toMatchObject({ appId: '456' });
    expect(source.reads).toBe(2);
  });

  it('re-reads on misses at most once per refreshOnMissMs', async () => {
    const source = secret(FILLED);
    const apps = appsFromSecret(source, 'arn:apps', 300_000, {
      now: clock,
      refreshOnMissMs: 5_000,
    });
    await apps.get('123');

    for (let i = 0; i < 10; i++) {
      now += 100;
      expect(await apps.get('unknown')).toBeUndefined();
    }
    expect(source.reads).toBe(2);

    now += 5_000;
    await apps.get('unknown');
    expect(source.reads).toBe(3);
  });

  it('shares one re-read among concurrent misses', async () => {
    const source = secret('{}');
    const apps = appsFromSecret(source, 'arn:apps', 300_000, { now: clock });
    await apps.get('123');
    source.value = FILLED;
    now += 1;

    const found = await Promise.all([apps.get('123'), apps.get('123'), apps.get('123')]);

    expect(found.map((a) => a?.appId)).toEqual(['123', '123', '123']);
    expect(source.reads).toBe(2);
  });

  it('serves a known app from the cache until the TTL, then re-reads', async () => {
    const source = secret(FILLED);
    const apps = appsFromSecret(source, 'arn:apps', 60_000, { now: clock });
    await apps.get('123');
    now += 59_999;
    await apps.get('123');
    expect(source.reads).toBe(1);

    now += 1;
    await apps.get('123');
    expect(source.reads).toBe(2);
  });
});
