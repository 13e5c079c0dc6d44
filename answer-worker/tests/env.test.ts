import { badNumberCases, envErrorAbout, graphUrlsFromEnv } from '@waba/testing';
import { answerDepsFromEnv } from '@waba/answer-worker';

const VALID = {
  DATABASE_URL: 'postgres://user:pass@127.0.0.1:1/none',
  WHATSAPP_ACCESS_TOKEN: 'token',
  ANSWER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/answer',
};

describe('answerDepsFromEnv()', () => {
  it('reads a valid environment, defaults included', async () => {
    const deps = await answerDepsFromEnv(VALID);
    expect(deps.agentTimeoutMs).toBe(15_000);
    await deps.db.destroy();
  });

  it.each([
    ...badNumberCases(['DB_POOL_MAX', 'AGENT_TIMEOUT_MS']),
    ['AGENT_TIMEOUT_MS', '0'],
    ['ANSWER_QUEUE_URL', ''],
  ])('refuses %s=%p, naming the variable', async (name, value) => {
    const start = answerDepsFromEnv({ ...VALID, [name]: value });

    await expect(start).rejects.toThrow(envErrorAbout(name));
  });

  it('calls Graph at WHATSAPP_GRAPH_VERSION', async () => {
    expect(await graphUrlsFromEnv(answerDepsFromEnv, VALID, 'v26.0')).toEqual([
      '/v26.0/123/messages',
    ]);
  });

  it('refuses a WHATSAPP_GRAPH_VERSION that is not a version', async () => {
    const start = answerDepsFromEnv({ ...VALID, WHATSAPP_GRAPH_VERSION: 'latest' });

    await expect(start).rejects.toThrow(envErrorAbout('WHATSAPP_GRAPH_VERSION'));
  });
});
