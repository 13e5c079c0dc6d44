import { countWebhookEventsByOutcome } from '@waba/db';
import { useApiHarness } from './helpers/harness';

describe('platform routes', () => {
  const h = useApiHarness();

  it('counts stored webhooks per outcome for a platform key only', async () => {
    const res = await h.as(h.platform).get('/api/v1/webhook-events/stats');
    expect(res.status).toBe(200);
    const expected = (await countWebhookEventsByOutcome(h.t.db)).map((r) => ({
      outcome: r.outcome,
      count: Number(r.count),
      misrouted_items: r.misroutedItems,
      unknown_field_items: r.unknownFieldItems,
    }));
    expect(res.body).toEqual({ data: expected });
    expect((await h.as(h.acme.write).get('/api/v1/webhook-events/stats')).status).toBe(403);
    expect((await h.as(null).get('/api/v1/webhook-events/stats')).status).toBe(401);
  });
});
