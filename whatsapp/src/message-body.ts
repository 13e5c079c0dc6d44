import type { InboundMessage } from './message.schema';

/** First candidate that is a non-empty string: Meta sends '' for absent text. */
function nonEmpty(...candidates: (string | undefined | null)[]): string | null {
  return (
    candidates.find((value): value is string => typeof value === 'string' && value !== '') ?? null
  );
}

function locationText(location: NonNullable<InboundMessage['location']>): string {
  const label = [location.name, location.address].filter(
    (part) => part !== undefined && part !== '',
  );
  // A pin dropped without a place name still deserves a readable body.
  return label.length > 0 ? label.join(', ') : `${location.latitude},${location.longitude}`;
}

function interactiveText(interactive: NonNullable<InboundMessage['interactive']>): string | null {
  return nonEmpty(
    interactive.button_reply?.title,
    interactive.list_reply?.title,
    interactive.nfm_reply?.body,
    interactive.nfm_reply?.name,
  );
}

/**
 * The human-readable text of a message of any type, for the `body` column.
 * Null when the type has none (audio, sticker, removed reaction, unknown types).
 */
export function messageText(msg: InboundMessage): string | null {
  switch (msg.type) {
    case 'text':
      return nonEmpty(msg.text?.body);
    case 'image':
    case 'video':
      return nonEmpty(msg[msg.type]?.caption);
    case 'document':
      return nonEmpty(msg.document?.caption, msg.document?.filename);
    case 'audio':
    case 'sticker':
      return nonEmpty(msg[msg.type]?.caption);
    case 'location':
      return msg.location ? locationText(msg.location) : null;
    case 'contacts': {
      const names = (msg.contacts ?? [])
        .map((card) => card.name?.formatted_name)
        .filter((n) => !!n);
      return names.length > 0 ? names.join(', ') : null;
    }
    case 'interactive':
      return msg.interactive ? interactiveText(msg.interactive) : null;
    case 'button':
      return nonEmpty(msg.button?.text, msg.button?.payload);
    case 'reaction':
      // An empty emoji means the reaction was removed.
      return nonEmpty(msg.reaction?.emoji);
    case 'order':
      return nonEmpty(msg.order?.text);
    case 'system':
      return nonEmpty(msg.system?.body);
    default:
      return null;
  }
}
