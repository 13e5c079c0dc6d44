import { badNumberCases, envErrorAbout } from '@waba/testing';
import { processorDepsFromEnv } from '@waba/db-processor';

const VALID = {
  DATABASE_URL: 'postgres://user:pass@127.0.0.1:1/none',
  ANSWER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/answer',
};

describe('processorDepsFromEnv()', () => {
  it('reads a valid environment, defaults included', async () => {
    const deps = await processorDepsFromEnv(VALID);
    expect(deps.answerDelaySeconds).toBe(2);
    await deps.db.destroy();
  });

  it('archives media only with MEDIA_QUEUE_URL set', async () => {
    const without = await processorDepsFromEnv(VALID);
    const withQueue = await processorDepsFromEnv({
      ...VALID,
      MEDIA_QUEUE_URL: 'http://127.0.0.1:1/000000000000/media',
    });

    expect(without.media).toBeUndefined();
    expect(withQueue.media).toEqual({ enqueue: expect.any(Function) });
    await without.db.destroy();
    await withQueue.db.destroy();
  });

  it.each([
    ...badNumberCases(['DB_POOL_MAX', 'ANSWER_DELAY_SECONDS']),
    ['DB_POOL_MAX', '0'],
    ['ANSWER_DELAY_SECONDS', '901'],
    ['ANSWER_QUEUE_URL', ''],
  ])('refuses %s=%p, naming the variable', async (name, value) => {
    const start = processorDepsFromEnv({ ...VALID, [name]: value });

    await expect(start).rejects.toThrow(envErrorAbout(name));
  });
});
