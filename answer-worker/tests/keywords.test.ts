import {
  emptyIngestBatch,
  getAgentConfig,
  updateAgentConfig,
  upsertOrganization,
  writeIngestBatch,
} from '@waba/db';
import { useTestDatabase } from '@waba/testing';
import {
  addressJob,
  claimConversation,
  keywordMatcher,
  MAX_KEYWORD_LENGTH,
  MAX_KEYWORDS,
  rulesAgent,
  validateKeywords,
} from '@waba/answer-worker';

describe('keywordMatcher()', () => {
  describe.each([
    // keyword, text, matches
    ['c++', 'I need help with c++ please', true],
    ['c++', 'abc++ is not it', false],
    ['(a|a)*b', `${'a'.repeat(40)}c`, false],
    ['(a|a)*b', 'literally (a|a)*b here', true],
    ['[', 'an unbalanced [ bracket', true],
    ['\\', 'a back\\slash', true],
    ['human', 'I want a HUMAN', true],
    ['human', 'that is humane', false],
    ['atendente', 'quero um ATENDENTE!', true],
    ['atendência', 'falar com atendencia', true], // accents folded on both sides
    ['да', 'когда придёт заказ?', false], // Cyrillic letters are word characters
    ['да', 'Да, пожалуйста', true],
    ['оператор', 'нужен оператор.', true],
    ['人工', '我要人工服务', true], // no spaces between words in Chinese
    ['موظف', 'أريد موظف من فضلك', true],
    ['موظف', 'أريدموظفين', false],
    ['🙋', 'help 🙋🙋', true],
    ['𝒶gent', 'an 𝒶gent please', true], // astral letters are handled as one character
    ['𝒶gent', 'x𝒶gent', false],
    ['', 'anything at all', false],
    ['   ', 'anything at all', false],
  ])('keyword %j in %j', (keyword, text, expected) => {
    it(`${expected ? 'matches' : 'does not match'}`, () => {
      expect(keywordMatcher([keyword])(text)).toBe(expected);
    });
  });

  it('builds no regular expression from operator text', () => {
    const spy = jest.spyOn(globalThis, 'RegExp');
    try {
      const matcher = keywordMatcher(['c++', '(a|a)*b', 'x{2,}']);
      expect(matcher('x{2,} please')).toBe(true);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('validateKeywords()', () => {
  it('trims and keeps good keywords, punctuation included', () => {
    expect(validateKeywords([' c++ ', 'falar com atendente', '人工'])).toEqual([
      'c++',
      'falar com atendente',
      '人工',
    ]);
  });

  it.each([
    [['help', ' '], /keyword 2 is empty/],
    [['\u0301'], /keyword 1 is empty/], // only a combining accent: nothing left to match
    [['x'.repeat(MAX_KEYWORD_LENGTH + 1)], new RegExp(`longer than ${MAX_KEYWORD_LENGTH}`)],
    [Array.from({ length: MAX_KEYWORDS + 1 }, (_, i) => `k${i}`), /at most/],
  ])('refuses %j', (keywords, message) => {
    expect(() => validateKeywords(keywords)).toThrow(message);
  });
});

describe('rulesAgent()', () => {
  const agent = rulesAgent(
    [
      { keywords: ['да'], reply: 'Отлично!' },
      { keywords: ['c++'], reply: 'C++ desk' },
    ],
    'default',
  );
  const ask = async (text: string) =>
    (
      await agent.answer(
        {
          instructions: '',
          history: [],
          messages: [{ text, buttonId: null }],
          knowledge: [],
          contactName: null,
        },
        AbortSignal.timeout(1000),
      )
    ).messages;

  it('uses the shared matcher: Unicode word boundaries and literal punctuation', async () => {
    expect(await ask('когда придёт заказ?')).toEqual(['default']);
    expect(await ask('да')).toEqual(['Отлично!']);
    expect(await ask('is there a c++ course?')).toEqual(['C++ desk']);
  });
});

describe('claimConversation() handoff keywords', () => {
  const t = useTestDatabase();

  it('hands off on a keyword with regex characters instead of failing every job', async () => {
    const org = await upsertOrganization(t.db, {
      name: 'acme',
      slug: 'acme',
      phoneNumbers: [{ phoneNumberId: '1001', wabaId: 'waba-1' }],
    });
    await updateAgentConfig(t.db, org.id, {
      debounce_seconds: 0,
      handoff_keywords: ['c++', '(a|a)*b'],
    });
    const batch = emptyIngestBatch();
    batch.inbound.push({
      organizationId: org.id,
      wamid: 'wamid.keyword-1',
      phoneNumberId: '1001',
      contactWaId: '15550001111',
      type: 'text',
      body: 'a person for c++ questions, please',
      payload: {},
      contextWamid: null,
      occurredAt: new Date(),
    });
    await t.db.transaction().execute((trx) => writeIngestBatch(trx, batch));
    const job = {
      organizationId: org.id,
      phoneNumberId: '1001',
      contactWaId: '15550001111',
      enqueuedAt: new Date().toISOString(),
    };

    const decision = await claimConversation(
      t.db,
      (await addressJob(t.db, job))!,
      await getAgentConfig(t.db, org.id),
      new Date(Date.now() + 1000),
    );

    expect(decision).toMatchObject({ kind: 'notice', reason: 'handoff' });
  });
});
