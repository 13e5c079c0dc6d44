import { sql } from 'kysely';
import {
  campaignTag,
  createCampaign,
  findContact,
  importAudience,
  recordAccepted,
  suppressContacts,
  upsertOrganization,
  type Db,
} from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  contact,
  messagesEntry,
  processBodies,
  status,
  textMessage,
  wamid,
  webhookPayload,
  type RawWebhookEntry,
} from '@waba/testing';

export const ACME = { phoneNumberId: '3100001', wabaId: '4100001' };
export const GLOBEX = { phoneNumberId: '3100002', wabaId: '4100002' };

/** The customer whose data is exported and erased, and another customer of the same organization. */
export const PAULA = {
  waId: '5511900000001',
  name: 'Paula Privada',
  texts: ['my order 8812 never arrived', 'the parcel is at my neighbour'],
};
export const OTTO = { waId: '5511900000002', name: 'Otto Outro', text: 'please call me back' };
/** Paula's number writes to Globex too: another organization's customer, never touched. */
export const GLOBEX_TEXT = 'paula writing to globex';

/** Rows of Paula's in Acme per kind, as the seed makes them (export records, erasure counts). */
export const PAULA_ROWS = {
  contact: 1,
  message: 3, // two inbound, one campaign send
  status_event: 2,
  campaign_audience: 1,
  suppression: 1,
  answer_attempt: 1,
  media_object: 1,
  messaging_window: 1,
  webhook_event: 2,
  webhook_event_extract: 2,
};

export interface Seeded {
  acme: string;
  globex: string;
  campaignId: string;
  paulaWamids: string[];
  ottoWamid: string;
}

const ingest = async (db: Db, entries: RawWebhookEntry[]) => {
  const body = metaEscape(JSON.stringify(webhookPayload({ entries })));
  const failures = await processBodies(db, [body]);
  if (failures.length > 0) throw new Error(`processor failed: ${JSON.stringify(failures)}`);
};

/**
 * Paula across every kind of data in Acme (messages with statuses, a body
 * shared with Otto and with Globex, a campaign audience row with its status,
 * a suppression, an answer attempt), and Otto and Globex beside her.
 */
export async function seedPrivacy(db: Db): Promise<Seeded> {
  const acme = (await upsertOrganization(db, { name: 'Acme', slug: 'acme', phoneNumbers: [ACME] }))
    .id;
  const globex = (
    await upsertOrganization(db, { name: 'Globex', slug: 'globex', phoneNumbers: [GLOBEX] })
  ).id;
  const paulaWamids = PAULA.texts.map(() => wamid(PAULA.waId));
  const ottoWamid = wamid(OTTO.waId);
  // One body: Paula's and Otto's messages to Acme, and Paula's number writing to Globex.
  await ingest(db, [
    messagesEntry({
      ...ACME,
      contacts: [
        contact({ waId: PAULA.waId, name: PAULA.name }),
        contact({ waId: OTTO.waId, name: OTTO.name }),
      ],
      messages: [
        textMessage({ from: PAULA.waId, id: paulaWamids[0], body: PAULA.texts[0]! }),
        textMessage({ from: OTTO.waId, id: ottoWamid, body: OTTO.text }),
        textMessage({ from: PAULA.waId, id: paulaWamids[1], body: PAULA.texts[1]! }),
      ],
    }),
    messagesEntry({
      ...GLOBEX,
      contacts: [contact({ waId: PAULA.waId, name: PAULA.name })],
      messages: [textMessage({ from: PAULA.waId, body: GLOBEX_TEXT })],
    }),
  ]);

  // A campaign to both, accepted and delivered (statuses in one body).
  const campaign = await createCampaign(db, {
    organizationId: acme,
    name: 'spring',
    templateName: 'spring_sale',
    templateLanguage: 'en_US',
  });
  await importAudience(db, campaign.id, [
    { line: 2, waId: PAULA.waId, parameters: { first_name: 'Paula' } },
    { line: 3, waId: OTTO.waId, parameters: { first_name: 'Otto' } },
  ]);
  // Claimed by the sender (as its claim does) before each send is recorded.
  await sql`update campaign_audience set status = 'sending' where campaign_id = ${campaign.id}`.execute(
    db,
  );
  const sends = [PAULA.waId, OTTO.waId].map((waId) => ({ waId, wamid: wamid(waId) }));
  for (const s of sends)
    await recordAccepted(db, {
      organizationId: acme,
      campaignId: campaign.id,
      phoneNumberId: ACME.phoneNumberId,
      templateName: 'spring_sale',
      payload: { to: s.waId, type: 'template', template: { name: 'spring_sale' } },
      ...s,
    });
  await ingest(db, [
    messagesEntry({
      ...ACME,
      statuses: sends.flatMap((s) =>
        ['sent', 'delivered'].map((st, i) =>
          status({
            id: s.wamid,
            status: st,
            recipientId: s.waId,
            bizOpaque: campaignTag(campaign.id),
            timestamp: String(Math.floor(Date.now() / 1000) - 10 + i),
          }),
        ),
      ),
    }),
  ]);

  await suppressContacts(db, acme, [
    { waId: PAULA.waId, source: 'operator', detail: 'asked by phone', at: new Date() },
  ]);
  const paula = (await findContact(db, acme, { waId: PAULA.waId }))!;
  await sql`
    insert into answer_attempts (organization_id, phone_number_id, state, answers_wamids, contact_id, agent, reply_parts)
    values (${acme}, ${ACME.phoneNumberId}, 'sent', ${paulaWamids}::text[], ${paula.id}, 'rules',
      ${JSON.stringify([{ text: `About ${PAULA.texts[0]}: we are on it` }])}::jsonb)`.execute(db);
  // An archived photo of her first message, and her place in the 24-hour messaging window.
  await sql`
    insert into media_objects (organization_id, wamid, media_id, media_type, mime_type, bytes, s3_key, state)
    values (${acme}, ${paulaWamids[0]!}, '1234567890123456', 'image', 'image/jpeg', 42,
      ${`media/${acme}/2026/12/02/1234567890123456`}, 'stored')`.execute(db);
  await sql`
    insert into messaging_window_recipients (organization_id, waba_id, recipient, first_sent_at)
    values (${acme}, ${ACME.wabaId}, ${PAULA.waId}, now())`.execute(db);
  return { acme, globex, campaignId: campaign.id, paulaWamids, ottoWamid };
}
