import type { RawInboundMessage } from '../message.schema';
import { DEFAULT_CUSTOMER_WA_ID, mediaId, sha256Base64, unixNow, wamid } from './ids';

export interface MessageBase {
  from?: string;
  id?: string;
  timestamp?: string;
  context?: RawInboundMessage['context'];
}

function base(type: string, options: MessageBase): RawInboundMessage {
  const from = options.from ?? DEFAULT_CUSTOMER_WA_ID;
  const message: RawInboundMessage = {
    from,
    id: options.id ?? wamid(from),
    timestamp: options.timestamp ?? unixNow(),
    type,
  };
  if (options.context) message.context = options.context;
  return message;
}

export function textMessage(options: MessageBase & { body: string }): RawInboundMessage {
  return { ...base('text', options), text: { body: options.body } };
}

interface MediaOptions extends MessageBase {
  mediaId?: string;
  mimeType?: string;
  caption?: string;
  /** The file's hash as the webhook gives it (base64); default: a random one. */
  sha256?: string;
}

function media(
  type: string,
  defaultMime: string,
  options: MediaOptions,
  extra: object = {},
): RawInboundMessage {
  const object = {
    id: options.mediaId ?? mediaId(),
    mime_type: options.mimeType ?? defaultMime,
    sha256: options.sha256 ?? sha256Base64(),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    ...extra,
  };
  return { ...base(type, options), [type]: object };
}

export function imageMessage(options: MediaOptions = {}): RawInboundMessage {
  return media('image', 'image/jpeg', options);
}

export function videoMessage(options: MediaOptions = {}): RawInboundMessage {
  return media('video', 'video/mp4', options);
}

export function audioMessage(options: MediaOptions & { voice?: boolean } = {}): RawInboundMessage {
  return media('audio', 'audio/ogg; codecs=opus', options, { voice: options.voice ?? true });
}

export function documentMessage(
  options: MediaOptions & { filename?: string } = {},
): RawInboundMessage {
  return media('document', 'application/pdf', options, {
    filename: options.filename ?? 'invoice.pdf',
  });
}

export function stickerMessage(
  options: MediaOptions & { animated?: boolean } = {},
): RawInboundMessage {
  return media('sticker', 'image/webp', options, { animated: options.animated ?? false });
}

export function locationMessage(
  options: MessageBase & {
    latitude?: number;
    longitude?: number;
    name?: string;
    address?: string;
  } = {},
): RawInboundMessage {
  const location = {
    latitude: options.latitude ?? 38.9071923,
    longitude: options.longitude ?? -77.0368707,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.address === undefined ? {} : { address: options.address }),
  };
  return { ...base('location', options), location };
}

export function contactsMessage(
  options: MessageBase & { name?: string; phone?: string } = {},
): RawInboundMessage {
  const name = options.name ?? 'John Smith';
  const [first = name, ...rest] = name.split(' ');
  const card = {
    name: { formatted_name: name, first_name: first, last_name: rest.join(' ') },
    phones: [{ phone: options.phone ?? '+1 650-555-0199', wa_id: '16505550199', type: 'CELL' }],
    emails: [{ email: 'john@example.com', type: 'WORK' }],
  };
  return { ...base('contacts', options), contacts: [card] };
}

export function buttonReplyMessage(
  options: MessageBase & { buttonId?: string; title: string },
): RawInboundMessage {
  const interactive = {
    type: 'button_reply',
    button_reply: { id: options.buttonId ?? 'btn-1', title: options.title },
  };
  return { ...base('interactive', options), interactive };
}

export function listReplyMessage(
  options: MessageBase & { rowId?: string; title: string; description?: string },
): RawInboundMessage {
  const listReply = {
    id: options.rowId ?? 'row-1',
    title: options.title,
    ...(options.description === undefined ? {} : { description: options.description }),
  };
  return {
    ...base('interactive', options),
    interactive: { type: 'list_reply', list_reply: listReply },
  };
}

export function nfmReplyMessage(
  options: MessageBase & { responseJson?: string; body?: string } = {},
): RawInboundMessage {
  const nfmReply = {
    name: 'flow',
    body: options.body ?? 'Sent',
    response_json: options.responseJson ?? '{"flow_token":"token-1","rating":"5"}',
  };
  return {
    ...base('interactive', options),
    interactive: { type: 'nfm_reply', nfm_reply: nfmReply },
  };
}

export function buttonMessage(
  options: MessageBase & { text: string; payload?: string },
): RawInboundMessage {
  return {
    ...base('button', options),
    button: { text: options.text, payload: options.payload ?? options.text },
  };
}

export function reactionMessage(
  options: MessageBase & { messageId?: string; emoji?: string },
): RawInboundMessage {
  const from = options.from ?? DEFAULT_CUSTOMER_WA_ID;
  const reaction = {
    message_id: options.messageId ?? wamid(from),
    // Meta omits the emoji when the customer removes a reaction.
    ...(options.emoji === undefined || options.emoji === '' ? {} : { emoji: options.emoji }),
  };
  return { ...base('reaction', options), reaction };
}

export function orderMessage(
  options: MessageBase & { catalogId?: string; text?: string } = {},
): RawInboundMessage {
  const order = {
    catalog_id: options.catalogId ?? '1502837640166437',
    ...(options.text === undefined ? {} : { text: options.text }),
    product_items: [
      { product_retailer_id: 'sku-42', quantity: 2, item_price: 19.99, currency: 'USD' },
    ],
  };
  return { ...base('order', options), order };
}

export function systemMessage(
  options: MessageBase & { body?: string; newWaId?: string } = {},
): RawInboundMessage {
  const from = options.from ?? DEFAULT_CUSTOMER_WA_ID;
  const newWaId = options.newWaId ?? '16505559999';
  const system = {
    body: options.body ?? `User ${from} changed from ${from} to ${newWaId}`,
    type: 'user_changed_number',
    wa_id: newWaId,
    new_wa_id: newWaId,
  };
  return { ...base('system', options), system };
}

export function requestWelcomeMessage(options: MessageBase = {}): RawInboundMessage {
  return base('request_welcome', options);
}

/** What Meta sends for types the Cloud API cannot deliver (polls, edits, view-once...). */
export function unsupportedMessage(
  options: MessageBase & { unsupportedType?: string } = {},
): RawInboundMessage {
  return {
    ...base('unsupported', options),
    unsupported: { type: options.unsupportedType ?? 'poll' },
    errors: [
      {
        code: 131051,
        title: 'Message type unknown',
        message: 'Message type unknown',
        error_data: { details: 'Message type is currently not supported.' },
      },
    ],
  };
}
