import { randomBytes } from 'node:crypto';
import { messagesEntry, status, webhookPayload } from '@waba/whatsapp/testing';
import type { RawWebhookError, RawWebhookPayload } from '@waba/whatsapp/testing';

export type StatusStep = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * Test recipients, like a payment sandbox's test cards: what happens to a
 * message after `sent` depends on the last digits of the recipient's wa_id.
 *  - ends in 0000: `failed` with 131026 (message undeliverable);
 *  - ends in 1111: `delivered`, never read;
 *  - ends in 4949: `failed` with 131049 (per-user marketing limit), as Meta reports it;
 *  - anything else: `delivered`, then `read`.
 */
export function statusSteps(waId: string): readonly StatusStep[] {
  if (waId.endsWith('0000')) return ['sent', 'failed'];
  if (waId.endsWith(MARKETING_LIMITED_SUFFIX)) return ['failed'];
  if (waId.endsWith('1111')) return ['sent', 'delivered'];
  return ['sent', 'delivered', 'read'];
}

const MARKETING_LIMITED_SUFFIX = '4949';

/** The `errors` of a test recipient's failed status; undefined: the default (131026). */
function failureErrors(waId: string): RawWebhookError[] | undefined {
  if (!waId.endsWith(MARKETING_LIMITED_SUFFIX)) return undefined;
  const title = 'This message was not delivered to maintain healthy ecosystem engagement.';
  return [{ code: 131049, title, message: title, error_data: { details: title } }];
}

export interface SentMessage {
  wamid: string;
  phoneNumberId: string;
  /** The recipient's wa_id, or its business-scoped user id when addressed by `recipient`. */
  waId: string;
  /** Addressed by `recipient`: statuses carry `recipient_user_id` and no `recipient_id`, as Meta's do. */
  byUserId?: boolean;
  type: string;
  bizOpaque?: string;
}

const CONVERSATION_MS = 24 * 60 * 60 * 1000;

/**
 * Builds one-status webhook payloads. Meta opens a 24-hour conversation per
 * recipient and category and repeats its id on every billed status inside it,
 * so conversation ids are kept here rather than made up per status.
 */
export function createStatusPayloads(meta: { wabaId: string; displayPhoneNumber?: string }) {
  const conversations = new Map<string, { id: string; expiresAt: number }>();

  function conversation(message: SentMessage, category: string) {
    const key = `${message.phoneNumberId}:${message.waId}:${category}`;
    const now = Date.now();
    let open = conversations.get(key);
    if (!open || open.expiresAt <= now) {
      open = { id: randomBytes(16).toString('hex'), expiresAt: now + CONVERSATION_MS };
      conversations.set(key, open);
    }
    return {
      id: open.id,
      expiration_timestamp: String(Math.floor(open.expiresAt / 1000)),
      origin: { type: category },
    };
  }

  return function statusPayload(message: SentMessage, step: StatusStep): RawWebhookPayload {
    // Free-form replies only go out inside the customer service window, which
    // is free; templates are billed (the sandbox cannot know their category).
    const isTemplate = message.type === 'template';
    const category = isTemplate ? 'marketing' : 'service';
    const billed = step === 'sent' || step === 'delivered';
    const item = status({
      id: message.wamid,
      status: step,
      ...(message.byUserId ? { recipientUserId: message.waId } : { recipientId: message.waId }),
      ...(message.bizOpaque === undefined ? {} : { bizOpaque: message.bizOpaque }),
      ...(step === 'failed' && failureErrors(message.waId)
        ? { errors: failureErrors(message.waId)! }
        : {}),
      conversation: billed ? conversation(message, category) : null,
      pricing: billed
        ? {
            billable: isTemplate,
            pricing_model: 'PMP',
            category,
            type: isTemplate ? 'regular' : 'free_customer_service',
          }
        : null,
    });
    const entry = messagesEntry({
      wabaId: meta.wabaId,
      phoneNumberId: message.phoneNumberId,
      ...(meta.displayPhoneNumber === undefined
        ? {}
        : { displayPhoneNumber: meta.displayPhoneNumber }),
      statuses: [item],
    });
    return webhookPayload({ entries: [entry] });
  };
}
