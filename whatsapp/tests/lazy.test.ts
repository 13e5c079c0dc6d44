import { lazy } from '@waba/whatsapp';

describe('lazy()', () => {
  it('builds once and shares the value, also with concurrent callers', async () => {
    let builds = 0;
    const get = lazy(async () => ++builds);
    expect(await Promise.all([get(), get()])).toEqual([1, 1]);
    expect(await get()).toBe(1);
  });

  it('forgets a failed build, so the next call tries again', async () => {
    let attempt = 0;
    const get = lazy(async () => {
      if (++attempt === 1) throw new Error('secret not readable yet');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('secret not readable yet');
    expect(await get()).toBe('ready');
  });
});
