import {
  emptyAccountFieldsBatch,
  findTemplate,
  listTemplates,
  upsertOrganization,
  upsertSyncedTemplates,
  writeAccountFields,
  type SyncedTemplateInput,
} from '@waba/db';
import { useTestDatabase } from '@waba/testing';

const WABA = '102290129340398';
const listed = (over: Partial<SyncedTemplateInput> = {}): SyncedTemplateInput => ({
  id: '1667192013751005',
  name: 'order_delivery_update',
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Good news {{1}}!' }],
  qualityScore: 'GREEN',
  qualityAt: null,
  ...over,
});

describe('upsertSyncedTemplates()', () => {
  const t = useTestDatabase();
  let org: string;

  beforeEach(async () => {
    await t.reset();
    org = (
      await upsertOrganization(t.db, {
        name: 'Acme',
        slug: 'acme',
        phoneNumbers: [{ phoneNumberId: '106540352242922', wabaId: WABA }],
      })
    ).id;
  });

  /** A message_template_status_update as the processor writes it. */
  const statusWebhook = (event: string, reason: string, at: Date) =>
    writeAccountFields(t.db, {
      ...emptyAccountFieldsBatch(),
      templates: [
        {
          organizationId: org,
          wabaId: WABA,
          eventKey: `k-${event}-${at.getTime()}`,
          occurredAt: at,
          templateId: '1667192013751005',
          field: 'message_template_status_update',
          name: 'order_delivery_update',
          language: 'en-US',
          status: event,
          reason,
          rejectionInfo: null,
          category: null,
          qualityScore: null,
          previousValue: null,
          value: {},
        },
      ],
    });

  it('stores what the Graph API lists; a later sync replaces it and drops the reason of a status it changes', async () => {
    await statusWebhook('REJECTED', 'INVALID_FORMAT', new Date('2026-12-01T10:00:00Z'));

    await upsertSyncedTemplates(t.db, org, WABA, [listed()], new Date('2026-12-01T11:00:00Z'));

    expect(await listTemplates(t.db, org)).toEqual([
      expect.objectContaining({
        template_id: '1667192013751005',
        name: 'order_delivery_update',
        language: 'en_US',
        status: 'APPROVED',
        reason: null,
        category: 'UTILITY',
        quality_score: 'GREEN',
        components: [{ type: 'BODY', text: 'Good news {{1}}!' }],
        synced_at: new Date('2026-12-01T11:00:00Z'),
      }),
    ]);
  });

  it('a webhook later than the sync wins over it; an earlier one does not', async () => {
    await upsertSyncedTemplates(t.db, org, WABA, [listed()], new Date('2026-12-01T11:00:00Z'));
    await statusWebhook('REJECTED', 'SCAM', new Date('2026-12-01T10:59:00Z'));
    expect((await findTemplate(t.db, org, 'order_delivery_update', 'en_US'))?.status).toBe(
      'APPROVED',
    );

    await statusWebhook('PAUSED', 'NONE', new Date('2026-12-01T11:30:00Z'));
    await upsertSyncedTemplates(
      t.db,
      org,
      WABA,
      [listed({ status: 'APPROVED' })],
      new Date('2026-12-01T11:10:00Z'),
    );

    // en-US and en_US name the same language.
    expect(await findTemplate(t.db, org, 'order_delivery_update', 'en-us')).toMatchObject({
      status: 'PAUSED',
      synced_at: new Date('2026-12-01T11:10:00Z'),
    });
    expect(await findTemplate(t.db, org, 'order_delivery_update', 'pt_BR')).toBeUndefined();
  });

  it('a webhook of the same second as the sync (webhooks carry whole seconds) counts as later', async () => {
    await upsertSyncedTemplates(t.db, org, WABA, [listed()], new Date('2026-12-01T11:00:00.600Z'));

    await statusWebhook('PAUSED', 'NONE', new Date('2026-12-01T11:00:00Z'));

    expect((await findTemplate(t.db, org, 'order_delivery_update', 'en_US'))?.status).toBe(
      'PAUSED',
    );
  });
});
