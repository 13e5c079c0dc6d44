import {
  changeCampaignStatus,
  createCampaign,
  getCampaign,
  pauseCampaignForError,
  upsertOrganization,
  upsertSyncedTemplates,
  type CampaignRow,
} from '@waba/db';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import {
  processBodies,
  recordingAnswerQueue,
  useTestDatabase,
  webhookPayload,
} from '@waba/testing';

const ACME = { phoneNumberId: '106540352242922', wabaId: '102290129340398' };
const BETA = { phoneNumberId: '206540352242922', wabaId: '202290129340398' };
/** Unix seconds, `s` after now: later than the sync of beforeEach. */
const soon = (s: number) => Math.floor(Date.now() / 1000) + s;
const BF = { templateId: '1000000000000001', name: 'bf_offer', language: 'en_US' };

/** One template webhook of a WABA at `time` (unix seconds), as Meta shapes it. */
const templateWebhook = (
  wabaId: string,
  time: number,
  field: string,
  value: Record<string, unknown>,
) =>
  JSON.stringify(
    webhookPayload({
      entries: [
        {
          id: wabaId,
          time,
          changes: [
            {
              field,
              value: {
                message_template_id: Number(BF.templateId),
                message_template_name: BF.name,
                message_template_language: BF.language,
                ...value,
              },
            },
          ],
        },
      ],
    }),
  );

describe('template webhooks reach the campaigns of their template, in the same transaction', () => {
  const t = useTestDatabase();
  let acme: string;
  let beta: string;

  beforeEach(async () => {
    await t.reset();
    acme = (await upsertOrganization(t.db, { name: 'Acme', slug: 'acme', phoneNumbers: [ACME] }))
      .id;
    beta = (await upsertOrganization(t.db, { name: 'Beta', slug: 'beta', phoneNumbers: [BETA] }))
      .id;
    for (const [org, waba] of [
      [acme, ACME.wabaId],
      [beta, BETA.wabaId],
    ] as const)
      await upsertSyncedTemplates(t.db, org, waba, [
        {
          ...BF,
          id: BF.templateId,
          status: 'APPROVED',
          category: 'MARKETING',
          components: [],
          qualityScore: null,
          qualityAt: null,
        },
      ]);
  });

  const deliver = async (bodies: string[]) =>
    expect(
      await processBodies(t.db, bodies, {
        answers: recordingAnswerQueue(),
        attributes: { [A.appId]: 'default' },
      }),
    ).toEqual([]);

  async function campaign(
    org: string,
    name: string,
    options: { start?: boolean; templateId?: string | null; templateName?: string } = {},
  ): Promise<CampaignRow> {
    const c = await createCampaign(t.db, {
      organizationId: org,
      name,
      templateName: options.templateName ?? BF.name,
      templateLanguage: BF.language,
      templateId: options.templateId === undefined ? BF.templateId : options.templateId,
      templateCategory: 'MARKETING',
    });
    return options.start === false ? c : changeCampaignStatus(t.db, c.id, 'start');
  }
  const state = async (c: CampaignRow) => {
    const row = (await getCampaign(t.db, c.id))!;
    return {
      status: row.status,
      last_error: row.last_error,
      template_category: row.template_category,
    };
  };

  it('PAUSED pauses the running campaigns of that template in its organization only, with the reason', async () => {
    const running = await campaign(acme, 'running');
    const legacy = await campaign(acme, 'created before templates were checked', {
      templateId: null,
    });
    const draft = await campaign(acme, 'draft', { start: false });
    const other = await campaign(acme, 'other template', {
      templateId: '77',
      templateName: 'welcome',
    });
    const theirs = await campaign(beta, 'same template id, other organization');

    await deliver([
      templateWebhook(ACME.wabaId, soon(30), 'message_template_status_update', {
        event: 'PAUSED',
        reason: 'NONE',
        other_info: { title: 'FIRST_PAUSE', description: 'Paused for 3 hours.' },
      }),
    ]);

    const reason =
      'template bf_offer (en_US) is PAUSED; resume the campaign once it is APPROVED again';
    expect(await state(running)).toMatchObject({ status: 'paused', last_error: reason });
    expect(await state(legacy)).toMatchObject({ status: 'paused', last_error: reason });
    expect(await state(draft)).toMatchObject({ status: 'draft', last_error: null });
    expect(await state(other)).toMatchObject({ status: 'sending', last_error: null });
    expect(await state(theirs)).toMatchObject({ status: 'sending', last_error: null });
  });

  it.each(['DISABLED', 'REJECTED'])('%s pauses too, naming Meta’s reason', async (event) => {
    const running = await campaign(acme, 'running');

    await deliver([
      templateWebhook(ACME.wabaId, soon(30), 'message_template_status_update', {
        event,
        reason: 'SCAM',
      }),
    ]);

    expect(await state(running)).toMatchObject({
      status: 'paused',
      last_error: `template bf_offer (en_US) is ${event}: SCAM; resume the campaign once it is APPROVED again`,
    });
  });

  it('a campaign a refused send (132015) paused a moment before takes the template as its reason', async () => {
    const running = await campaign(acme, 'running');
    const refusedAt = new Date(Date.now() - 1000);
    await pauseCampaignForError(t.db, running.id, 'Graph API error 132015 HTTP 400', refusedAt);

    await deliver([
      templateWebhook(ACME.wabaId, soon(30), 'message_template_status_update', { event: 'PAUSED' }),
    ]);

    expect(await getCampaign(t.db, running.id)).toMatchObject({
      status: 'paused',
      paused_at: refusedAt,
      last_error:
        'template bf_offer (en_US) is PAUSED; resume the campaign once it is APPROVED again',
    });
  });

  it('an older PAUSED arriving after a newer APPROVED changes nothing', async () => {
    const running = await campaign(acme, 'running');

    await deliver([
      templateWebhook(ACME.wabaId, soon(60), 'message_template_status_update', {
        event: 'APPROVED',
      }),
    ]);
    await deliver([
      templateWebhook(ACME.wabaId, soon(30), 'message_template_status_update', {
        event: 'PAUSED',
      }),
    ]);

    expect(await state(running)).toMatchObject({ status: 'sending', last_error: null });
  });

  it('a category change is recorded on the unfinished campaigns of that template', async () => {
    const running = await campaign(acme, 'running');
    const draft = await campaign(acme, 'draft', { start: false });
    const cancelled = await campaign(acme, 'cancelled');
    await changeCampaignStatus(t.db, cancelled.id, 'cancel');
    const theirs = await campaign(beta, 'other organization');

    await deliver([
      templateWebhook(ACME.wabaId, soon(60), 'template_category_update', {
        previous_category: 'MARKETING',
        new_category: 'UTILITY',
      }),
    ]);

    expect(await state(running)).toMatchObject({ status: 'sending', template_category: 'UTILITY' });
    expect(await state(draft)).toMatchObject({ template_category: 'UTILITY' });
    expect(await state(cancelled)).toMatchObject({ template_category: 'MARKETING' });
    expect(await state(theirs)).toMatchObject({ template_category: 'MARKETING' });
  });
});
