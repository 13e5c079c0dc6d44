import { createHash } from 'node:crypto';
import { metaEscape, signPayload } from '@waba/whatsapp';
import { contact, messagesEntry, textMessage, wamid, webhookPayload } from '@waba/whatsapp/testing';

/**
 * The smoke test's business number: a phone_number_id and a WABA id that no
 * organization owns. Its webhook is therefore stored as an `unrouted` audit
 * row with its payload, and nothing else happens: no contact, no message row,
 * no answer job, so no bot can reply to anyone. A status webhook for a made-up
 * wamid on a real number would not do: statuses are upserted by wamid, so it
 * would add an outbound message to a real organization's history.
 */
export const SMOKE_PHONE_NUMBER_ID = '555000000000001';
export const SMOKE_WABA_ID = '555000000000002';
/** 555-0100 to 555-0199 are reserved for fiction in the North American numbering plan. */
export const SMOKE_DISPLAY_PHONE_NUMBER = '15555550100';
/** The "customer": a fictional number too, in case an organization owned the ids above. */
export const SMOKE_CUSTOMER_WA_ID = '15555550123';

export interface SmokeWebhook {
  /** The exact bytes to POST (Meta's escaped JSON form). */
  raw: string;
  /** SHA-256 (hex) of `raw`: the key of its audit row. */
  sha256: string;
  /** The X-Hub-Signature-256 header value. */
  signature: string;
  wamid: string;
}

/**
 * One signed `messages` webhook as Meta sends it: a text from a customer to
 * the smoke number. Every run has a new wamid, so a new body and audit row.
 */
export function smokeWebhook(options: {
  secret: string;
  runId: string;
  phoneNumberId: string;
  wabaId: string;
}): SmokeWebhook {
  const id = wamid(SMOKE_CUSTOMER_WA_ID);
  const payload = webhookPayload({
    entries: [
      messagesEntry({
        wabaId: options.wabaId,
        phoneNumberId: options.phoneNumberId,
        displayPhoneNumber: SMOKE_DISPLAY_PHONE_NUMBER,
        contacts: [contact({ waId: SMOKE_CUSTOMER_WA_ID, name: 'Smoke Test' })],
        messages: [
          textMessage({
            from: SMOKE_CUSTOMER_WA_ID,
            id,
            body: `waba-pipeline smoke test ${options.runId}`,
          }),
        ],
      }),
    ],
  });
  const raw = metaEscape(JSON.stringify(payload));
  return {
    raw,
    sha256: createHash('sha256').update(raw).digest('hex'),
    signature: signPayload(raw, options.secret),
    wamid: id,
  };
}
