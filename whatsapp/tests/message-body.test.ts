import { messageText, parseInboundMessage } from '../src';
import type { InboundMessage } from '../src';
import { ALL_MESSAGE_TYPES } from '../src/testing';
import type { RawInboundMessage } from '../src/testing';
import * as build from '../src/testing/builders';

function parsed(raw: RawInboundMessage): InboundMessage {
  const result = parseInboundMessage(raw);
  if (!result.success) throw new Error(result.error.message);
  return result.data;
}

describe('messageText()', () => {
  describe.each(ALL_MESSAGE_TYPES.map((f) => [f.name, f] as const))(
    'for a %s message',
    (_name, fixture) => {
      it('returns the expected text', () => {
        expect(messageText(parsed(fixture.message))).toBe(fixture.expectedText);
      });
    },
  );

  it.each<[string, RawInboundMessage, string | null]>([
    ['image without caption', build.imageMessage({}), null],
    [
      'document with caption and filename',
      build.documentMessage({ caption: 'Invoice', filename: 'a.pdf' }),
      'Invoice',
    ],
    [
      'location without name',
      build.locationMessage({ latitude: 1.5, longitude: -2.25 }),
      '1.5,-2.25',
    ],
    ['location with address only', build.locationMessage({ address: '1 Main St' }), '1 Main St'],
    ['removed reaction', build.reactionMessage({ emoji: '' }), null],
    ['order without text', build.orderMessage({}), null],
    ['empty text body', build.textMessage({ body: '' }), null],
    [
      'button without text falls back to payload',
      { ...build.buttonMessage({ text: 'x' }), button: { text: '', payload: 'P' } },
      'P',
    ],
    [
      'type text without text object',
      { from: '1', id: 'wamid.x', timestamp: '1', type: 'text' },
      null,
    ],
    [
      'unknown type',
      { from: '1', id: 'wamid.x', timestamp: '1', type: 'hologram', hologram: { body: 'x' } },
      null,
    ],
  ])('%s → %j', (_label, raw, expected) => {
    expect(messageText(parsed(raw))).toBe(expected);
  });
});
