import { lazy } from '@waba/whatsapp';

/** A build whose calls the test can see and settle one by one. */
function builds<T>() {
  const pending: { resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  const build = jest.fn(
    () => new Promise<T>((resolve, reject) => void pending.push({ resolve, reject })),
  );
  return { build, pending };
}

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

  it('forgets a build that throws before returning a promise', async () => {
    let attempt = 0;
    const get = lazy((): Promise<string> => {
      if (++attempt === 1) throw new Error('no client yet');
      return Promise.resolve('ready');
    });
    await expect(get()).rejects.toThrow('no client yet');
    expect(await get()).toBe('ready');
  });

  it('keeps a value for ttlMs, then builds again', async () => {
    let clock = 0;
    let builds = 0;
    const get = lazy(async () => ++builds, { ttlMs: 1_000, now: () => clock });
    expect(await get()).toBe(1);
    clock = 999;
    expect(await get()).toBe(1);
    expect(get.peek()).toBeDefined();
    clock = 1_000;
    expect(get.peek()).toBeUndefined();
    expect(await get()).toBe(2);
  });

  it('refresh() builds now and later callers get the new value', async () => {
    let builds = 0;
    const get = lazy(async () => ++builds);
    expect(await get()).toBe(1);
    expect(await get.refresh()).toBe(2);
    expect(await get()).toBe(2);
  });

  it('a failed older build does not evict a newer one', async () => {
    const { build, pending } = builds<string>();
    const get = lazy(build);
    const first = get();
    const second = get.refresh();
    pending[1]!.resolve('new');
    pending[0]!.reject(new Error('old read failed'));
    await expect(first).rejects.toThrow('old read failed');
    await expect(second).resolves.toBe('new');

    expect(await get()).toBe('new');
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('a failed refresh is forgotten too: the next call builds again', async () => {
    const { build, pending } = builds<string>();
    const get = lazy(build);
    const first = get();
    pending[0]!.resolve('old');
    await first;
    const refreshed = get.refresh();
    pending[1]!.reject(new Error('throttled'));
    await expect(refreshed).rejects.toThrow('throttled');

    expect(get.peek()).toBeUndefined();
    const next = get();
    pending[2]!.resolve('again');
    expect(await next).toBe('again');
  });
});
