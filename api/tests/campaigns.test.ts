import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { upsertSyncedTemplates } from '@waba/db';
import { createQueueWithDlq, createTestQueues, type TestQueues } from '@waba/testing';
import type { ApiDeps } from '../src';
import { useApiHarness } from './helpers/harness';

const extra: Partial<ApiDeps> = {};
let queues: TestQueues;
let campaignQueueUrl: string;

beforeAll(async () => {
  queues = await createTestQueues();
  campaignQueueUrl = (await createQueueWithDlq(queues.sqs, `campaign-${Date.now()}`)).url;
  extra.sqs = queues.sqs;
  extra.queues = { campaign: { url: campaignQueueUrl } };
});

describe('campaign routes', () => {
  const h = useApiHarness(extra);
  const components = [{ type: 'body', parameters: [{ type: 'text', text: '{{first_name}}' }] }];
  const newCampaign = {
    name: 'Black Friday',
    template_name: 'bf_offer',
    template_language: 'en_US',
    components,
  };

  beforeAll(async () => {
    await upsertSyncedTemplates(h.t.db, h.acme.id, '100111111111', [
      {
        id: '501',
        name: 'bf_offer',
        language: 'en_US',
        status: 'APPROVED',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Hi {{1}}!' }],
        qualityScore: 'GREEN',
        qualityAt: null,
      },
      {
        id: '502',
        name: 'pending_one',
        language: 'en_US',
        status: 'PENDING',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Hi' }],
        qualityScore: null,
        qualityAt: null,
      },
    ]);
  });

  const create = async () => {
    const res = await h.as(h.acme.write).post('/api/v1/campaigns', { body: newCampaign });
    expect(res.status).toBe(201);
    return res.body as { id: string; status: string; audience_columns: string[] };
  };

  it('creates a draft campaign with its audience columns, and lists and reads it', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'draft', audience_columns: ['wa_id', 'first_name'] });
    const one = await h.as(h.acme.read).get(`/api/v1/campaigns/${created.id}`);
    expect(one.body).toMatchObject({ id: created.id, template_name: 'bf_offer' });
    const list = await h.as(h.acme.read).get('/api/v1/campaigns');
    expect(
      (list.body as { data: { campaign_id: string }[] }).data.map((c) => c.campaign_id),
    ).toContain(created.id);
    const other = await h.as(h.globex.read).get('/api/v1/campaigns');
    expect((other.body as { data: unknown[] }).data).toEqual([]);
  });

  it('refuses a template that is not approved (409), bad input (400), a read key (403)', async () => {
    const pending = await h.as(h.acme.write).post('/api/v1/campaigns', {
      body: { ...newCampaign, template_name: 'pending_one', components: [] },
    });
    expect(pending.status).toBe(409);
    expect((pending.body as { detail: string }).detail).toMatch(/not APPROVED/);
    const bad = await h.as(h.acme.write).post('/api/v1/campaigns', {
      body: { ...newCampaign, name: '' },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors[0]!.field).toBe('body.name');
    const read = await h.as(h.acme.read).post('/api/v1/campaigns', { body: newCampaign });
    expect(read.status).toBe(403);
  });

  it('honours Idempotency-Key on create', async () => {
    const headers = { 'idempotency-key': 'create-once' };
    const a = await h.as(h.acme.write).post('/api/v1/campaigns', { body: newCampaign, headers });
    const b = await h.as(h.acme.write).post('/api/v1/campaigns', { body: newCampaign, headers });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect((b.body as { id: string }).id).toBe((a.body as { id: string }).id);
  });

  it('imports an audience all or nothing, starts it (enqueuing a slice) and reports', async () => {
    const { id } = await create();
    const broken = await h.as(h.acme.write).put(`/api/v1/campaigns/${id}/audience`, {
      body: 'wa_id,first_name\n491701234567,Ann\nnot-a-number,Bob\n',
      contentType: 'text/csv',
    });
    expect(broken.status).toBe(400);
    expect((broken.body as { errors: { field: string }[] }).errors[0]!.field).toBe('body.line[3]');
    const csv = 'wa_id,first_name\n491701234567,Ann\n491701234568,=Bob\n';
    const ok = await h.as(h.acme.write).put(`/api/v1/campaigns/${id}/audience`, {
      body: csv,
      contentType: 'text/csv',
    });
    expect(ok.body).toEqual({ inserted: 2, already_present: 0 });
    const again = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/audience`, {
      body: csv,
      contentType: 'text/csv',
    });
    expect(again.body).toEqual({ inserted: 0, already_present: 2 });

    expect((await h.as(h.globex.write).post(`/api/v1/campaigns/${id}/start`)).status).toBe(404);
    expect((await h.as(h.acme.read).post(`/api/v1/campaigns/${id}/start`)).status).toBe(403);
    const started = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/start`);
    expect(started.body).toMatchObject({ status: 'sending' });
    const received = await queues.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: campaignQueueUrl, WaitTimeSeconds: 2 }),
    );
    expect(received.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ campaignId: id }]);
    expect((await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/resume`)).status).toBe(409);

    const stats = await h.as(h.acme.read).get(`/api/v1/campaigns/${id}/stats`);
    expect(stats.body).toMatchObject({ targeted: 2, pending: 2 });
    for (const part of ['daily', 'failure-reasons', 'spend'])
      expect((await h.as(h.acme.read).get(`/api/v1/campaigns/${id}/${part}`)).status).toBe(200);
    expect((await h.as(h.globex.read).get(`/api/v1/campaigns/${id}/stats`)).status).toBe(404);

    const page1 = await h.as(h.acme.read).get(`/api/v1/campaigns/${id}/recipients?limit=1`);
    const p1 = page1.body as { data: { wa_id: string }[]; next_cursor: string };
    expect(p1.data.map((r) => r.wa_id)).toEqual(['491701234567']);
    const page2 = await h
      .as(h.acme.read)
      .get(`/api/v1/campaigns/${id}/recipients?limit=1&cursor=${p1.next_cursor}`);
    expect(page2.body).toMatchObject({ data: [{ wa_id: '491701234568' }], next_cursor: null });
    const bad = await h.as(h.acme.read).get(`/api/v1/campaigns/${id}/recipients?limit=0`);
    expect((bad.body as { errors: { field: string }[] }).errors[0]!.field).toBe('query.limit');

    const exported = await h.as(h.acme.read).get(`/api/v1/campaigns/${id}/recipients.csv`);
    expect(exported.contentType).toBe('text/csv');
    const lines = exported.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'line,wa_id,status,wamid,accepted_at,sent_at,delivered_at,read_at,failed_at,error_code,error_title,attempts,source,next_attempt_at,first_name',
    );
    expect(lines[2]).toContain("'=Bob");

    const requeued = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/requeue-unknown`);
    expect(requeued.body).toEqual({ requeued: 0 });
    const retried = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/retry-failed`, {
      body: { codes: [131049] },
    });
    expect(retried.body).toMatchObject({ requeued: 0, campaign_status: 'sending' });
    const cancelled = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
  });
});

describe('campaign start without a campaign queue', () => {
  const h = useApiHarness();

  it('answers 503 and leaves the campaign in draft', async () => {
    await upsertSyncedTemplates(h.t.db, h.acme.id, '100111111111', [
      {
        id: '601',
        name: 'plain',
        language: 'en_US',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hello' }],
        qualityScore: null,
        qualityAt: null,
      },
    ]);
    const created = await h.as(h.acme.write).post('/api/v1/campaigns', {
      body: { name: 'n', template_name: 'plain', template_language: 'en_US', components: [] },
    });
    const id = (created.body as { id: string }).id;
    const start = await h.as(h.acme.write).post(`/api/v1/campaigns/${id}/start`);
    expect(start.status).toBe(503);
    const after = await h.as(h.acme.read).get(`/api/v1/campaigns/${id}`);
    expect(after.body).toMatchObject({ status: 'draft' });
  });
});
