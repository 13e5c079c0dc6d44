/**
 * Customer messages the bot answers: a conversation turn. Everything else a
 * customer's number sends (reactions, edits, deletions, system notices,
 * welcome requests, types Meta adds tomorrow) never starts an answer.
 */
export const ANSWERABLE_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'text',
  'interactive',
  'button',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'order',
]);

/** A message WhatsApp could not show us: answered at most once per window with a polite notice. */
export const UNSUPPORTED_MESSAGE_TYPE = 'unsupported';

/** What an inbound message of this type may start: an answer, the unsupported notice, or nothing. */
export function answerTriggerOf(type: string | null): 'answer' | 'notice' | null {
  if (type === null) return null;
  if (ANSWERABLE_MESSAGE_TYPES.has(type)) return 'answer';
  return type === UNSUPPORTED_MESSAGE_TYPE ? 'notice' : null;
}
