import { createHash } from 'node:crypto';
import {
  auditLookupSchema,
  emptyIngestBatch,
  parseMaintenanceRequest,
  writeIngestBatch,
  type WebhookEventInput,
} from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { handler } from '../src/maintenance-handler';

const sha = (raw: string) => createHash('sha256').update(raw).digest('hex');

const audit = (raw: string, overrides: Partial<WebhookEventInput> = {}): WebhookEventInput => ({
  bodySha256: sha(raw),
  organizationId: null,
  appId: 'default',
  sqsMessageId: 'm-1',
  fields: ['messages'],
  outcome: 'unrouted',
  error: 'no organization owns phone_number_id 555000000000001',
  itemCounts: { messages: 1, statuses: 0, contacts: 1, accountEvents: 0, invalid: 0, unrouted: 1 },
  rawBody: raw,
  receivedAt: new Date('2026-12-01T10:00:00.000Z'),
  ...overrides,
});

/** EventBridge's scheduled event, as the daily rule invokes the function. */
const scheduledEvent = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-12-01T03:17:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/MaintenanceSchedule'],
  detail: {},
};

describe('maintenance handler (Lambda entry point)', () => {
  let t: TestDatabase;
  const saved = process.env.DATABASE_URL;
  beforeAll(async () => {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
  });
  afterAll(async () => {
    process.env.DATABASE_URL = saved;
    await t.destroy();
  });
  beforeEach(() => t.reset());

  it('find-audit answers the outcome of the audit row of a body, without its payload', async () => {
    const raw = '{"object":"whatsapp_business_account","entry":[]}';
    await writeIngestBatch(t.db, { ...emptyIngestBatch(), webhookEvents: [audit(raw)] });

    const answer = await handler({ action: 'find-audit', bodySha256: sha(raw) });

    expect(auditLookupSchema.parse(answer)).toEqual({
      found: true,
      outcome: 'unrouted',
      error: 'no organization owns phone_number_id 555000000000001',
      fields: ['messages'],
      itemCounts: {
        messages: 1,
        statuses: 0,
        contacts: 1,
        accountEvents: 0,
        invalid: 0,
        unrouted: 1,
      },
      receivedAt: '2026-12-01T10:00:00.000Z',
      lastProcessedAt: expect.any(String),
      deliveryCount: 1,
    });
    expect(JSON.stringify(answer)).not.toContain('whatsapp_business_account');
  });

  it('find-audit answers the latest row when the body came again in a later month', async () => {
    const raw = '{"object":"whatsapp_business_account","entry":[{"id":"1"}]}';
    await writeIngestBatch(t.db, {
      ...emptyIngestBatch(),
      webhookEvents: [audit(raw, { receivedAt: new Date('2026-11-30T23:59:00.000Z') })],
    });
    await writeIngestBatch(t.db, {
      ...emptyIngestBatch(),
      webhookEvents: [audit(raw, { outcome: 'processed', error: null })],
    });

    const answer = await handler({ action: 'find-audit', bodySha256: sha(raw) });

    expect(answer).toMatchObject({ found: true, outcome: 'processed', error: null });
  });

  it('find-audit answers found: false for a body never stored', async () => {
    await expect(handler({ action: 'find-audit', bodySha256: sha('never sent') })).resolves.toEqual(
      { found: false },
    );
  });

  it.each([
    [{ action: 'find-audit' }, /bodySha256/],
    [{ action: 'find-audit', bodySha256: 'ABC' }, /64 lowercase hex/],
    [{ action: 'find-audit', bodySha256: sha('x'), extra: 1 }, /extra/],
    [{ action: 'drop-everything' }, /action/],
  ])('refuses a malformed request %j instead of running the maintenance', async (event, why) => {
    await expect(handler(event)).rejects.toThrow(why);
  });

  it('the scheduled event still runs the partition maintenance', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const report = await handler(scheduledEvent);

      expect(report).toEqual({
        created: expect.any(Array),
        dropped: expect.any(Array),
        redacted: expect.objectContaining({ messages: 0 }),
      });
      expect(log).toHaveBeenCalledWith(expect.stringContaining('partitions maintained'));
    } finally {
      log.mockRestore();
    }
  });
});

describe('parseMaintenanceRequest()', () => {
  it.each([[undefined], [null], [{}], [scheduledEvent]])('%j is the daily maintenance', (event) => {
    expect(parseMaintenanceRequest(event)).toEqual({ action: 'maintain' });
  });
});
