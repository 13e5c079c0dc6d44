import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { handleMaintenanceRequest, retentionFromEnv } from '../src/maintenance';

describe('retentionFromEnv()', () => {
  it.each([
    [{ WEBHOOK_EVENTS_RETENTION_MONTHS: 3, STATUS_EVENTS_RETENTION_MONTHS: 13 }, 3, 13],
    [{ WEBHOOK_EVENTS_RETENTION_MONTHS: 0, STATUS_EVENTS_RETENTION_MONTHS: 6 }, null, 6],
    [{ WEBHOOK_EVENTS_RETENTION_MONTHS: 2, STATUS_EVENTS_RETENTION_MONTHS: 0 }, 2, null],
  ])('%j → webhook events %p, status events %p (0 keeps everything)', (env, webhook, status) => {
    expect(retentionFromEnv(env)).toEqual({
      webhookEventsMonths: webhook,
      statusEventsMonths: status,
    });
  });
});

describe('handleMaintenanceRequest()', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it('maintain runs the partition maintenance and logs its report through the given logger', async () => {
    const lines: [string, object][] = [];
    const report = await handleMaintenanceRequest(
      { action: 'maintain' },
      {
        db: t.db,
        retention: { webhookEventsMonths: null, statusEventsMonths: null },
        log: (message, details) => lines.push([message, details]),
      },
    );

    const { redacted, ...partitions } = report as { redacted: object; created: string[] };
    expect(partitions).toEqual({ created: expect.any(Array), dropped: [] });
    expect(lines).toEqual([
      ['partitions maintained', partitions],
      ['organization retention enforced', redacted],
    ]);
  });
});
