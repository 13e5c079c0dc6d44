import pino from 'pino';
import {
  campaignRecipients,
  changeCampaignStatus,
  createCampaign,
  getCampaign,
  importAudience,
  upsertOrganization,
  upsertSyncedTemplates,
  type SyncedTemplateInput,
} from '@waba/db';
import { startTestSandbox, useTestDatabase, type MetaSandbox } from '@waba/testing';
import { checkCampaignTemplate, checkTemplateFit, sendCampaignSlice } from '@waba/campaign-sender';
import { senderDeps } from './helpers/sender-deps';

const body = (text: string) => ({ type: 'BODY', text });
const params = (type: string, ...texts: string[]) => ({
  type,
  parameters: texts.map((text) => ({ type: 'text', text })),
});
const named = (type: string, ...names: string[]) => ({
  type,
  parameters: names.map((n) => ({ type: 'text', parameter_name: n, text: `{{${n}}}` })),
});

describe('checkTemplateFit()', () => {
  const positional = [
    { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}' },
    body('Order {{1}} ships on {{2}}; {{1}} again.'),
  ];
  describe.each([
    [
      'positional header and body, filled',
      positional,
      [params('header', '{{name}}'), params('body', '{{order}}', '{{day}}')],
      [],
    ],
    [
      'a body parameter missing',
      positional,
      [params('header', '{{name}}'), params('body', '{{order}}')],
      ["the template's body takes 2 parameters ({{1}}, {{2}}); the components give 1"],
    ],
    [
      'no header component for a header variable',
      positional,
      [params('body', 'a', 'b')],
      ["the template's header takes 1 parameter ({{1}}); the components have no header component"],
    ],
    [
      'parameters for a template without any',
      [body('Welcome!')],
      [params('body', '{{name}}')],
      ["the template's body takes no parameters; the components give 1"],
    ],
    [
      'named parameters in any order',
      [body('Hello {{first_name}}, order {{order_id}}')],
      [named('body', 'order_id', 'first_name')],
      [],
    ],
    [
      'a named parameter misspelt',
      [body('Hello {{first_name}}')],
      [named('body', 'firstname')],
      [
        "the template's body takes 1 parameter ({{first_name}}); no parameter has parameter_name first_name",
        "the template's body has no parameter named firstname",
      ],
    ],
    [
      'an image header without its image',
      [{ type: 'HEADER', format: 'IMAGE' }, body('Look')],
      [],
      [
        "the template's header format is IMAGE: the components need a header with one image parameter",
      ],
    ],
    [
      'an image header with its image',
      [{ type: 'HEADER', format: 'IMAGE' }, body('Look')],
      [
        {
          type: 'header',
          parameters: [{ type: 'image', image: { link: 'https://x.test/a.png' } }],
        },
      ],
      [],
    ],
    [
      'a URL button with a variable',
      [
        body('Track it'),
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Stop' },
            { type: 'URL', text: 'Track', url: 'https://x.test/{{1}}' },
          ],
        },
      ],
      [],
      [
        `the template's button 1 is a URL with a variable: the components need {"type":"button","sub_type":"url","index":"1"} with one parameter`,
      ],
    ],
    [
      'a URL button filled',
      [
        body('Track it'),
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://x.test/{{1}}' }] },
      ],
      [
        {
          type: 'button',
          sub_type: 'url',
          index: '0',
          parameters: [{ type: 'text', text: '{{code}}' }],
        },
      ],
      [],
    ],
  ])('%s', (_name, template, components, problems) => {
    it('reports exactly the problems', () => {
      expect(checkTemplateFit(template, components)).toEqual(problems);
    });
  });
});

describe('checkCampaignTemplate() and the sender against synced templates', () => {
  const t = useTestDatabase();
  let sandbox: MetaSandbox;
  let org: string;
  const PHONE = '106540352242922';
  const synced = (over: Partial<SyncedTemplateInput>): SyncedTemplateInput => ({
    id: '501',
    name: 'bf_offer',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    components: [body('Hi {{1}}!')],
    qualityScore: 'GREEN',
    qualityAt: null,
    ...over,
  });
  const check = (name: string, language: string, components: unknown[]) =>
    checkCampaignTemplate(t.db, {
      organizationId: org,
      organizationLabel: 'shop',
      name,
      language,
      components,
    });

  beforeAll(async () => {
    sandbox = await startTestSandbox({ wabaId: 'w', logger: pino({ level: 'silent' }) });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await t.reset();
    org = (
      await upsertOrganization(t.db, {
        name: 'Shop',
        slug: 'shop',
        phoneNumbers: [{ phoneNumberId: PHONE, wabaId: 'w' }],
      })
    ).id;
    const other = (
      await upsertOrganization(t.db, {
        name: 'Other',
        slug: 'other',
        phoneNumbers: [{ phoneNumberId: '999', wabaId: 'w2' }],
      })
    ).id;
    await upsertSyncedTemplates(t.db, org, 'w', [
      synced({}),
      synced({ id: '502', name: 'old_promo', status: 'REJECTED' }),
    ]);
    await upsertSyncedTemplates(t.db, other, 'w2', [synced({ id: '601', name: 'only_theirs' })]);
  });

  it('returns the approved template whose parameters the components fill (en-US and en_US alike)', async () => {
    await expect(check('bf_offer', 'en-US', [params('body', '{{name}}')])).resolves.toMatchObject({
      template_id: '501',
      category: 'MARKETING',
    });
  });

  it.each([
    [
      'an unknown template',
      'nope',
      'en_US',
      [],
      'template nope (en_US) is not known for organization shop: check its name and language, or run `template sync --org shop`',
    ],
    [
      "another organization's template",
      'only_theirs',
      'en_US',
      [],
      'template only_theirs (en_US) is not known for organization shop',
    ],
    ['the wrong language', 'bf_offer', 'pt_BR', [], 'template bf_offer (pt_BR) is not known'],
    [
      'a rejected template',
      'old_promo',
      'en_US',
      [params('body', 'x')],
      'template old_promo (en_US) is REJECTED, not APPROVED: only approved templates can be sent',
    ],
    [
      'components that do not fit',
      'bf_offer',
      'en_US',
      [],
      "template bf_offer (en_US) does not fit the components: the template's body takes 1 parameter ({{1}}); the components have no body component",
    ],
  ])('refuses %s, naming what is wrong', async (_what, name, language, components, message) => {
    await expect(check(name, language, components)).rejects.toThrow(message);
  });

  it('a slice of a campaign whose template is paused sends nothing and pauses it with the reason', async () => {
    const c = await createCampaign(t.db, {
      organizationId: org,
      name: 'paused template',
      templateName: 'bf_offer',
      templateLanguage: 'en_US',
      templateId: '501',
      templateComponents: [params('body', '{{name}}')],
    });
    await importAudience(t.db, c.id, [
      { line: 2, waId: '16505550101', parameters: { name: 'Ana' } },
    ]);
    await changeCampaignStatus(t.db, c.id, 'start');
    // The sync learns the pause (no webhook came): the sync pauses it at once.
    const changes = await upsertSyncedTemplates(t.db, org, 'w', [synced({ status: 'PAUSED' })]);
    expect(changes.paused).toEqual([
      { campaignId: c.id, reason: expect.stringContaining('is PAUSED') },
    ]);
    // An operator resumes while the template is still paused: the next slice pauses it again.
    await changeCampaignStatus(t.db, c.id, 'resume');
    const before = sandbox.messages().length;

    const result = await sendCampaignSlice(senderDeps(t.db, sandbox.url, 5000), c.id);

    expect(result).toMatchObject({ status: 'paused', accepted: 0, nextInSeconds: null });
    expect(sandbox.messages()).toHaveLength(before);
    expect((await getCampaign(t.db, c.id))?.last_error).toBe(
      'template bf_offer (en_US) is PAUSED; resume the campaign once it is APPROVED again',
    );
    expect((await campaignRecipients(t.db, c.id)).map((r) => r.status)).toEqual(['pending']);
  });
});
