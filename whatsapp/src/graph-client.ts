/**
 * The Graph API client used to send: builds message payloads (text split into
 * parts, interactive payloads clamped to Graph's limits) and posts them
 * through the transport.
 */
import { GraphRequestError, RecipientNeedsPhoneError } from './errors';
import {
  graphMediaResponseSchema,
  graphSendResponseSchema,
  graphSuccessResponseSchema,
} from './graph.schema';
import { createGraphTransport, unexpectedBody, type GraphClientOptions } from './graph-transport';
import {
  assertInteractiveBody,
  clampButtons,
  clampList,
  clampText,
  HEADER_FOOTER_LIMIT,
  type ListMessage,
  type ReplyButton,
} from './payload-clamp';
import { splitText } from './text-split';

export { splitText, TEXT_BODY_LIMIT } from './text-split';
export { clampButtons, clampList, INTERACTIVE_BODY_LIMIT } from './payload-clamp';
export type { ListMessage, ListRow, ListSection, ReplyButton } from './payload-clamp';
export type { GraphClientOptions } from './graph-transport';

export interface SendResult {
  wamid: string;
  waId: string | null;
  /** The business-scoped user id Meta answered with, for a send by `recipient`. */
  userId: string | null;
}

/**
 * Whom to send to: a phone number, or a contact's ids. A contact with a phone
 * number is addressed by `to`; one known only by its business-scoped user id
 * by `recipient` (Meta drops a BSUID put in `to` without an error).
 */
export type Recipient = string | { waId: string | null; userId: string | null };

export interface TemplateMessage {
  name: string;
  languageCode: string;
  components?: unknown[];
  /** Meta's template category when known; `authentication` templates need a phone number. */
  category?: string | null;
}

/** Where a media object can be downloaded (the URL lives about 5 minutes). */
export interface MediaLocation {
  url: string;
  mimeType: string | null;
  sha256: string | null;
  /** Size Meta announces, in bytes; null when it gives none. */
  fileSize: number | null;
}

export interface GraphClient {
  /** Splits bodies over 4096 characters; one SendResult per part, in order. */
  sendText(
    phoneNumberId: string,
    to: Recipient,
    body: string,
    options?: { previewUrl?: boolean; replyTo?: string; bizOpaque?: string },
  ): Promise<SendResult[]>;
  sendButtons(
    phoneNumberId: string,
    to: Recipient,
    body: string,
    buttons: ReplyButton[],
    options?: { replyTo?: string; bizOpaque?: string; header?: string; footer?: string },
  ): Promise<SendResult>;
  sendList(
    phoneNumberId: string,
    to: Recipient,
    list: ListMessage,
    options?: { replyTo?: string; bizOpaque?: string },
  ): Promise<SendResult>;
  sendTemplate(
    phoneNumberId: string,
    to: Recipient,
    template: TemplateMessage,
    options?: { bizOpaque?: string },
  ): Promise<SendResult>;
  markReadWithTyping(phoneNumberId: string, messageId: string): Promise<void>;
  /** Throws GraphTokenError when the token is a placeholder; no network call. */
  checkToken(): Promise<void>;
  /** `GET /{version}/{media-id}`: the download URL of a media id, with Meta's type, hash and size. */
  getMedia(mediaId: string): Promise<MediaLocation>;
  /**
   * Downloads a media URL with the bearer token: the response with its body
   * unread (stream it), which must be read within `timeoutMs`.
   */
  downloadMedia(url: string, timeoutMs: number): Promise<Response>;
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const { post, get, download, usableToken } = createGraphTransport(options);

  async function send(phoneNumberId: string, payload: object): Promise<SendResult> {
    const json = await post(phoneNumberId, payload);
    const parsed = graphSendResponseSchema.safeParse(json);
    if (!parsed.success) throw unexpectedBody(200);
    return {
      // The schema requires at least one message.
      wamid: parsed.data.messages[0]!.id,
      waId: parsed.data.contacts?.[0]?.wa_id ?? null,
      userId: parsed.data.contacts?.[0]?.user_id ?? null,
    };
  }

  return {
    async sendText(phoneNumberId, to, body, sendOptions = {}) {
      const parts = splitText(body);
      if (parts.length === 0) throw new GraphRequestError('text body is empty');
      const results: SendResult[] = [];
      // Sequential on purpose: parallel sends may arrive out of order.
      for (const [index, part] of parts.entries()) {
        results.push(
          await send(phoneNumberId, {
            ...envelope(to, 'text'),
            text: { preview_url: sendOptions.previewUrl ?? false, body: part },
            // Only the first part quotes the message it answers.
            ...extras(index === 0 ? sendOptions.replyTo : undefined, sendOptions.bizOpaque),
          }),
        );
      }
      return results;
    },

    async sendButtons(phoneNumberId, to, body, buttons, sendOptions = {}) {
      assertInteractiveBody(body);
      const clamped = clampButtons(buttons);
      if (clamped.length === 0) throw new GraphRequestError('at least one button is required');
      return send(phoneNumberId, {
        ...envelope(to, 'interactive'),
        interactive: {
          type: 'button',
          ...(sendOptions.header === undefined
            ? {}
            : {
                header: { type: 'text', text: clampText(sendOptions.header, HEADER_FOOTER_LIMIT) },
              }),
          body: { text: body },
          ...(sendOptions.footer === undefined
            ? {}
            : { footer: { text: clampText(sendOptions.footer, HEADER_FOOTER_LIMIT) } }),
          action: {
            buttons: clamped.map((reply) => ({ type: 'reply', reply })),
          },
        },
        ...extras(sendOptions.replyTo, sendOptions.bizOpaque),
      });
    },

    async sendList(phoneNumberId, to, list, sendOptions = {}) {
      assertInteractiveBody(list.body);
      const clamped = clampList(list);
      if (clamped.sections.length === 0)
        throw new GraphRequestError('a list needs at least one row');
      return send(phoneNumberId, {
        ...envelope(to, 'interactive'),
        interactive: {
          type: 'list',
          body: { text: clamped.body },
          action: { button: clamped.buttonText, sections: clamped.sections },
        },
        ...extras(sendOptions.replyTo, sendOptions.bizOpaque),
      });
    },

    async sendTemplate(phoneNumberId, to, template, sendOptions = {}) {
      if (template.category?.toLowerCase() === 'authentication' && !phoneOf(to))
        throw new RecipientNeedsPhoneError(template.name);
      return send(phoneNumberId, {
        ...envelope(to, 'template'),
        template: {
          name: template.name,
          language: { code: template.languageCode },
          ...(template.components === undefined ? {} : { components: template.components }),
        },
        ...extras(undefined, sendOptions.bizOpaque),
      });
    },

    async markReadWithTyping(phoneNumberId, messageId) {
      const json = await post(phoneNumberId, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      });
      const parsed = graphSuccessResponseSchema.safeParse(json);
      if (!parsed.success || !parsed.data.success) throw unexpectedBody(200);
    },

    async checkToken() {
      await usableToken(false);
    },

    async getMedia(mediaId) {
      const parsed = graphMediaResponseSchema.safeParse(await get(encodeURIComponent(mediaId)));
      if (!parsed.success) throw unexpectedBody(200);
      const size = Number(parsed.data.file_size);
      return {
        url: parsed.data.url,
        mimeType: parsed.data.mime_type ?? null,
        sha256: parsed.data.sha256 ?? null,
        fileSize: parsed.data.file_size !== undefined && Number.isFinite(size) ? size : null,
      };
    },

    downloadMedia(url, timeoutMs) {
      return download(url, timeoutMs);
    },
  };
}

function phoneOf(to: Recipient): string | null {
  return typeof to === 'string' ? to : to.waId;
}

function envelope(to: Recipient, type: string) {
  const phone = phoneOf(to);
  const address =
    phone !== null
      ? { to: phone }
      : typeof to !== 'string' && to.userId !== null
        ? { recipient: to.userId }
        : undefined;
  if (!address)
    throw new GraphRequestError('the recipient has neither a phone number nor a user id');
  return { messaging_product: 'whatsapp', recipient_type: 'individual', ...address, type };
}

function extras(replyTo: string | undefined, bizOpaque: string | undefined) {
  return {
    ...(replyTo === undefined ? {} : { context: { message_id: replyTo } }),
    ...(bizOpaque === undefined ? {} : { biz_opaque_callback_data: bizOpaque }),
  };
}
