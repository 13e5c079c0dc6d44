import type { RawInboundMessage } from '../message.schema';
import * as build from './message-builders';
import { wamid } from './ids';

export interface MessageTypeFixture {
  /** Unique label for test titles (interactive has several variants). */
  name: string;
  type: string;
  message: RawInboundMessage;
  /** What messageText() returns for it. */
  expectedText: string | null;
}

const FROM = '5511987654321';
const TIMESTAMP = '1718000000';
let counter = 0;

// Fixed ids and timestamps so table-driven tests in other packages are reproducible.
function base(): build.MessageBase {
  counter += 1;
  return {
    from: FROM,
    id: wamid(FROM, `FIXTURE${String(counter).padStart(13, '0')}`),
    timestamp: TIMESTAMP,
  };
}

function fixture(
  name: string,
  message: RawInboundMessage,
  expectedText: string | null,
): MessageTypeFixture {
  return { name, type: message.type, message, expectedText };
}

/** One sample message of every type Meta documents, including unsupported. */
export const ALL_MESSAGE_TYPES: readonly MessageTypeFixture[] = [
  fixture(
    'text',
    build.textMessage({ ...base(), body: 'Olá! Quero saber do pedido 😀 / #42' }),
    'Olá! Quero saber do pedido 😀 / #42',
  ),
  fixture(
    'image',
    build.imageMessage({ ...base(), caption: 'Foto do produto' }),
    'Foto do produto',
  ),
  fixture('video', build.videoMessage({ ...base(), caption: 'Unboxing' }), 'Unboxing'),
  fixture('audio', build.audioMessage({ ...base() }), null),
  fixture(
    'document',
    build.documentMessage({ ...base(), filename: 'nota-fiscal.pdf' }),
    'nota-fiscal.pdf',
  ),
  fixture('sticker', build.stickerMessage({ ...base(), animated: true }), null),
  fixture(
    'location',
    build.locationMessage({ ...base(), name: 'Loja Centro', address: 'Av. Paulista, 1000' }),
    'Loja Centro, Av. Paulista, 1000',
  ),
  fixture('contacts', build.contactsMessage({ ...base(), name: 'Maria Souza' }), 'Maria Souza'),
  fixture(
    'interactive/button_reply',
    build.buttonReplyMessage({ ...base(), title: 'Falar com atendente' }),
    'Falar com atendente',
  ),
  fixture(
    'interactive/list_reply',
    build.listReplyMessage({ ...base(), title: 'Segunda via', description: 'Boleto' }),
    'Segunda via',
  ),
  fixture('interactive/nfm_reply', build.nfmReplyMessage({ ...base(), body: 'Sent' }), 'Sent'),
  fixture(
    'button',
    build.buttonMessage({ ...base(), text: 'Parar promoções', payload: 'STOP' }),
    'Parar promoções',
  ),
  fixture('reaction', build.reactionMessage({ ...base(), emoji: '👍' }), '👍'),
  fixture('order', build.orderMessage({ ...base(), text: 'Entregar amanhã' }), 'Entregar amanhã'),
  fixture(
    'system',
    build.systemMessage({
      ...base(),
      body: 'User A changed from 5511987654321 to 5511987654322',
      newWaId: '5511987654322',
    }),
    'User A changed from 5511987654321 to 5511987654322',
  ),
  fixture('request_welcome', build.requestWelcomeMessage({ ...base() }), null),
  fixture('unsupported', build.unsupportedMessage({ ...base() }), null),
];
