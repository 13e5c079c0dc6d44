import {
  decideClaim,
  resendPlan,
  UNSUPPORTED_NOTICE,
  UNSUPPORTED_NOTICE_WINDOW_MS,
  type ClaimState,
} from '../src/claim-decision';

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const message = (over: Partial<ClaimState['messages'][number]> = {}) => ({
  type: 'text',
  body: 'hello',
  created_at: ago(60_000),
  ...over,
});

function state(over: Partial<ClaimState> = {}): ClaimState {
  return {
    to: { waId: '5511999990000', userId: null },
    config: {
      debounce_seconds: 3,
      allowed_numbers: null,
      handoff_keywords: ['human'],
      handoff_notice: 'A person will answer.',
      rate_limit_count: 2,
      rate_limit_window_seconds: 3600,
      rate_limit_notice: 'Slow down.',
      unsupported_notice: UNSUPPORTED_NOTICE,
    },
    conversation: {
      bot_paused: false,
      rate_window_started_at: null,
      rate_window_count: 0,
      rate_notice_sent: false,
    },
    messages: [message()],
    lastUnsupportedNoticeAt: null,
    now: NOW,
    ...over,
  };
}
const config = (over: Partial<ClaimState['config']>) => ({ ...state().config, ...over });
const conversation = (over: Partial<ClaimState['conversation']>) => ({
  ...state().conversation,
  ...over,
});

const freshAnswer = {
  kind: 'answer',
  attempt: 'answer',
  conversation: { rate_window_started_at: NOW, rate_window_count: 1, rate_notice_sent: false },
} as const;

describe('decideClaim()', () => {
  describe.each<[string, Partial<ClaimState>, ReturnType<typeof decideClaim>]>([
    ['no unanswered messages', { messages: [] }, { kind: 'nothing' }],
    [
      'the newest message is younger than the debounce window',
      { messages: [message(), message({ created_at: ago(1_000) })] },
      { kind: 'nothing' },
    ],
    [
      'the customer is not on the allowed list',
      { config: config({ allowed_numbers: ['5511000000000'] }) },
      { kind: 'skip', reason: 'not an allowed number', attempt: 'allowed-numbers' },
    ],
    [
      'the bot is paused for a person',
      { conversation: conversation({ bot_paused: true }) },
      { kind: 'skip', reason: 'handed off to a person', attempt: 'handoff' },
    ],
    [
      'a message asks for a person',
      { messages: [message(), message({ body: 'a HUMAN please' })] },
      {
        kind: 'notice',
        reason: 'handoff',
        text: 'A person will answer.',
        attempt: 'handoff',
        conversation: { bot_paused: true, paused_reason: 'customer asked for a person' },
      },
    ],
    [
      'only unsupported messages, no notice yet',
      { messages: [message({ type: 'unsupported', body: null })] },
      {
        kind: 'notice',
        reason: 'unsupported',
        text: UNSUPPORTED_NOTICE,
        attempt: 'unsupported',
      },
    ],
    [
      'only unsupported messages, noticed within the window',
      {
        messages: [message({ type: 'unsupported', body: null })],
        lastUnsupportedNoticeAt: ago(UNSUPPORTED_NOTICE_WINDOW_MS - 1),
      },
      {
        kind: 'skip',
        reason: 'unsupported message, already noticed',
        attempt: 'unsupported',
      },
    ],
    [
      'only unsupported messages, the last notice is older than the window',
      {
        messages: [message({ type: 'unsupported', body: null })],
        lastUnsupportedNoticeAt: ago(UNSUPPORTED_NOTICE_WINDOW_MS),
      },
      {
        kind: 'notice',
        reason: 'unsupported',
        text: UNSUPPORTED_NOTICE,
        attempt: 'unsupported',
      },
    ],
    [
      'the rate limit is reached, no notice yet',
      { conversation: conversation({ rate_window_started_at: ago(60_000), rate_window_count: 2 }) },
      {
        kind: 'notice',
        reason: 'rate limited',
        text: 'Slow down.',
        attempt: 'rate-limit',
        conversation: { rate_notice_sent: true },
      },
    ],
    [
      'the rate limit is reached and noticed',
      {
        conversation: conversation({
          rate_window_started_at: ago(60_000),
          rate_window_count: 2,
          rate_notice_sent: true,
        }),
      },
      { kind: 'skip', reason: 'rate limited', attempt: 'rate-limit' },
    ],
    ['a first answer opens a rate window', {}, freshAnswer],
    [
      'an answer within the window counts in it',
      { conversation: conversation({ rate_window_started_at: ago(60_000), rate_window_count: 1 }) },
      {
        kind: 'answer',
        attempt: 'answer',
        conversation: {
          rate_window_started_at: ago(60_000),
          rate_window_count: 2,
          rate_notice_sent: false,
        },
      },
    ],
    [
      'an expired window starts afresh and owes the notice again',
      {
        conversation: conversation({
          rate_window_started_at: ago(3_600_000),
          rate_window_count: 2,
          rate_notice_sent: true,
        }),
      },
      freshAnswer,
    ],
  ])('when %s', (_name, over, expected) => {
    it('plans the claim accordingly', () => {
      expect(decideClaim(state(over))).toEqual(expected);
    });
  });

  it('lets a customer on the allowed list through by their user id', () => {
    const plan = decideClaim(
      state({
        to: { waId: null, userId: 'BR.1234' },
        config: config({ allowed_numbers: ['BR.1234'] }),
      }),
    );
    expect(plan.kind).toBe('answer');
  });

  it('answers a mix of unsupported and text messages instead of noticing', () => {
    const plan = decideClaim(state({ messages: [message({ type: 'unsupported' }), message()] }));
    expect(plan.kind).toBe('answer');
  });
});

describe('resendPlan()', () => {
  const parts = [
    { type: 'text' as const, body: 'one' },
    { type: 'text' as const, body: 'two' },
  ];
  const attempt = {
    reply_parts: parts,
    unknown_part: 1,
    status_part: null,
    status_wamid: null,
    reply_wamids: ['wamid.0'],
  };

  it('sends the unknown part again when no status proved it', () => {
    expect(resendPlan(attempt)).toEqual({ parts, from: 1, proven: false, known: ['wamid.0'] });
  });

  it('sends only the parts after the unknown one when a status proved it', () => {
    expect(resendPlan({ ...attempt, status_part: 1, status_wamid: 'wamid.1' })).toEqual({
      parts,
      from: 2,
      proven: true,
      known: ['wamid.0', 'wamid.1'],
    });
  });

  it('does not count a status of an earlier part as proof', () => {
    expect(resendPlan({ ...attempt, status_part: 0, status_wamid: 'wamid.0' }).proven).toBe(false);
  });

  it('reads an attempt without a plan as nothing to send from part 0', () => {
    const plan = resendPlan({
      ...attempt,
      reply_parts: null,
      unknown_part: null,
      reply_wamids: [],
    });
    expect(plan).toEqual({ parts: [], from: 0, proven: false, known: [] });
  });
});
