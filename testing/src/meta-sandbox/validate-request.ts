import { invalidParameter, type GraphErrorResponse } from './graph-error';
import { checkText, isObject, validateInteractive } from './validate-interactive';

export type MessagesRequest =
  | { kind: 'read'; messageId: string; typing: boolean }
  | {
      kind: 'send';
      /** The phone number (`to`) or business-scoped user id (`recipient`) addressed. */
      to: string;
      addressedBy: 'to' | 'recipient';
      type: string;
      bizOpaque?: string;
    }
  | { kind: 'invalid'; error: GraphErrorResponse };

const TEXT_BODY_MAX = 4096;
const CAPTION_MAX = 1024;
const BIZ_OPAQUE_MAX = 512;
const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const SEND_TYPES = new Set([
  'text',
  'interactive',
  'template',
  'location',
  'contacts',
  'reaction',
  ...MEDIA_TYPES,
]);

function invalid(details: string, message?: string): MessagesRequest {
  return { kind: 'invalid', error: invalidParameter(details, message) };
}

function required(param: string): MessagesRequest {
  return invalid(`Param ${param} is required.`, `(#100) The parameter ${param} is required.`);
}

/**
 * Classify a `POST /{version}/{phone_number_id}/messages` body as Meta does:
 * a mark-as-read (optionally with a typing indicator) or a send, checking the
 * limits a real send would be rejected for.
 */
export function parseMessagesRequest(body: unknown): MessagesRequest {
  if (!isObject(body)) return invalid('The request body must be a JSON object.');
  if (body.messaging_product === undefined) return required('messaging_product');
  if (body.messaging_product !== 'whatsapp') {
    return invalid("Param messaging_product must be 'whatsapp'.");
  }
  if (body.status !== undefined) return parseRead(body);
  return parseSend(body);
}

function parseRead(body: Record<string, unknown>): MessagesRequest {
  if (body.status !== 'read') return invalid("Param status must be 'read'.");
  if (typeof body.message_id !== 'string' || body.message_id === '') return required('message_id');
  const indicator = body.typing_indicator;
  if (indicator !== undefined && (!isObject(indicator) || indicator.type !== 'text')) {
    return invalid("Param typing_indicator['type'] must be 'text'.");
  }
  return { kind: 'read', messageId: body.message_id, typing: indicator !== undefined };
}

function parseSend(body: Record<string, unknown>): MessagesRequest {
  // A user behind a username is addressed by `recipient` (business-scoped user id).
  const address = typeof body.to === 'string' ? body.to : body.recipient;
  if (typeof address !== 'string' || address.trim() === '') return required('to');
  // Meta defaults a missing type to text.
  const type = body.type ?? 'text';
  if (typeof type !== 'string' || !SEND_TYPES.has(type)) {
    return invalid(`Param type must be one of ${[...SEND_TYPES].join(', ')}.`);
  }
  const bizOpaque = body.biz_opaque_callback_data;
  if (bizOpaque !== undefined) {
    const problem = checkText(bizOpaque, 'biz_opaque_callback_data', BIZ_OPAQUE_MAX);
    if (problem) return invalid(problem);
  }
  const content = body[type];
  const isContacts = type === 'contacts';
  if (isContacts ? !Array.isArray(content) || content.length === 0 : !isObject(content)) {
    return required(type);
  }
  const problem = isObject(content) ? validateContent(type, content) : undefined;
  if (problem) return invalid(problem);
  return {
    kind: 'send',
    to: address,
    addressedBy: typeof body.to === 'string' ? 'to' : 'recipient',
    type,
    ...(typeof bizOpaque === 'string' ? { bizOpaque } : {}),
  };
}

function validateContent(type: string, content: Record<string, unknown>): string | undefined {
  if (type === 'text') return checkText(content.body, "text['body']", TEXT_BODY_MAX);
  if (type === 'interactive') return validateInteractiveContent(content);
  if (type === 'template') return validateTemplate(content);
  if (type === 'location') {
    const ok = content.latitude !== undefined && content.longitude !== undefined;
    return ok ? undefined : "Param location['latitude'] and location['longitude'] are required.";
  }
  if (type === 'reaction') {
    return typeof content.message_id === 'string'
      ? undefined
      : "Param reaction['message_id'] is required.";
  }
  if (MEDIA_TYPES.has(type)) return validateMedia(type, content);
  return undefined;
}

function validateInteractiveContent(content: Record<string, unknown>): string | undefined {
  if (typeof content.type !== 'string') return "Param interactive['type'] is required.";
  return validateInteractive(content);
}

function validateTemplate(content: Record<string, unknown>): string | undefined {
  if (typeof content.name !== 'string' || content.name === '')
    return "Param template['name'] is required.";
  const language = content.language;
  if (!isObject(language) || typeof language.code !== 'string') {
    return "Param template['language']['code'] is required.";
  }
  return undefined;
}

function validateMedia(type: string, content: Record<string, unknown>): string | undefined {
  if (typeof content.id !== 'string' && typeof content.link !== 'string') {
    return `Param ${type}['id'] or ${type}['link'] is required.`;
  }
  if (content.caption === undefined) return undefined;
  return checkText(content.caption, `${type}['caption']`, CAPTION_MAX);
}
