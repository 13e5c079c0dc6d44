import {
  createCampaign,
  emptyIngestBatch,
  importAudience,
  upsertOrganization,
  writeIngestBatch,
  type StatusEventInput,
} from '@waba/db';
import { useTestDatabase, databaseState } from '@waba/testing';

const RECIPIENT = '5511888880000';
const WAMID = 'wamid.OUT-of-globex';

describe('writeIngestBatch(): statuses are scoped by organization in SQL too', () => {
  const t = useTestDatabase();
  let acme: string;
  let globex: string;

  const status = (organizationId: string, over: Partial<StatusEventInput>): StatusEventInput => ({
    organizationId,
    wamid: WAMID,
    phoneNumberId: organizationId === acme ? '1001' : '2002',
    status: 'sent',
    occurredAt: new Date('2026-11-22T10:00:00Z'),
    recipientId: RECIPIENT,
    errorCode: null,
    errorTitle: null,
    bizOpaqueCallbackData: null,
    campaignId: null,
    conversationId: null,
    pricingCategory: null,
    payload: {},
    ...over,
  });
  const write = (statuses: StatusEventInput[]) =>
    t.db.transaction().execute((trx) => writeIngestBatch(trx, { ...emptyIngestBatch(), statuses }));

  it("a status written for one organization (bypassing the router) leaves another's message and audience row alone", async () => {
    const org = async (slug: string, phoneNumberId: string) =>
      (
        await upsertOrganization(t.db, {
          name: slug,
          slug,
          phoneNumbers: [{ phoneNumberId, wabaId: `waba-${slug}` }],
        })
      ).id;
    acme = await org('acme', '1001');
    globex = await org('globex', '2002');
    const campaign = await createCampaign(t.db, {
      organizationId: globex,
      name: 'launch',
      templateName: 'launch',
      templateLanguage: 'en',
    });
    await importAudience(t.db, campaign.id, [{ line: 2, waId: RECIPIENT, parameters: {} }]);
    await write([
      status(globex, {
        bizOpaqueCallbackData: `campaign:${campaign.id}`,
        campaignId: campaign.id,
      }),
    ]);
    const before = await databaseState(t.db, { volatile: new Set() });
    expect(before.campaign_audience!.join()).toContain(WAMID);

    await write([
      status(acme, {
        status: 'failed',
        occurredAt: new Date('2026-11-22T10:05:00Z'),
        errorCode: 131026,
        errorTitle: 'undeliverable',
      }),
    ]);

    expect(await databaseState(t.db, { volatile: new Set() })).toEqual(before);
  });
});
