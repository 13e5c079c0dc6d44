import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeWebhookPayload,
  isMessagesField,
  parseContact,
  parseInboundMessage,
  parseStatus,
  parseWebhookError,
} from '../src';

/**
 * The corpus of webhook bodies published by Meta and by public client
 * libraries (issue 12, point 9). These tests pin what is true of every body
 * today: the envelope decodes and keeps every item for the per-item parsers.
 * Where each item must end up is written in fixtures/meta-2026/EXPECTED.md;
 * items today's schemas cannot read (no `from`, no `wa_id`, no
 * `recipient_id`) are deliberately not asserted here.
 */

const CORPUS = join(__dirname, 'fixtures', 'meta-2026');
const SYNTHESIZED = 'synthesized';
const ITEM_KINDS = ['messages', 'statuses', 'contacts', 'errors'] as const;

type Json = Record<string, unknown>;

interface SourceNote {
  provenance: 'genuine' | 'fragment' | 'synthesized';
  source: { repo?: string; path?: string; commit?: string; key?: string; url?: string };
  shows: string;
  note?: string;
}

const sources = JSON.parse(readFileSync(join(CORPUS, 'sources.json'), 'utf8')) as Record<
  string,
  SourceNote
>;

function jsonFilesIn(folder: string): string[] {
  return readdirSync(join(CORPUS, folder))
    .filter((name) => name.endsWith('.json') && name !== 'sources.json')
    .map((name) => (folder === '' ? name : `${folder}/${name}`))
    .sort();
}

const FILES = [...jsonFilesIn(''), ...jsonFilesIn(SYNTHESIZED)];
const rawOf = (file: string): string => readFileSync(join(CORPUS, file), 'utf8');
const bodyOf = (file: string): Json => JSON.parse(rawOf(file)) as Json;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayAt = (value: Json, key: string): unknown[] => {
  const found = value[key];
  return Array.isArray(found) ? found : [];
};

interface Change {
  field: string;
  value: Json;
}

function changesOf(body: Json): Change[] {
  return arrayAt(body, 'entry').flatMap((entry) =>
    isObject(entry)
      ? arrayAt(entry, 'changes')
          .filter(isObject)
          .map((c) => c as unknown as Change)
      : [],
  );
}

const itemsOf = (file: string, kind: (typeof ITEM_KINDS)[number]): Json[] =>
  changesOf(bodyOf(file))
    .filter((change) => change.field === 'messages')
    .flatMap((change) => arrayAt(change.value, kind).filter(isObject));

describe('fixtures corpus meta-2026', () => {
  it('has a source note for every file and a file for every source note', () => {
    expect(Object.keys(sources).sort()).toEqual([...FILES].sort());
  });

  it('says in EXPECTED.md where every fixture must land', () => {
    const expected = readFileSync(join(CORPUS, 'EXPECTED.md'), 'utf8');
    expect(FILES.filter((file) => !expected.includes(`\`${file}\``))).toEqual([]);
  });

  it('keeps synthesized bodies apart from published ones', () => {
    const misplaced = Object.entries(sources).filter(
      ([file, note]) => (note.provenance === 'synthesized') !== file.startsWith(`${SYNTHESIZED}/`),
    );
    expect(misplaced).toEqual([]);
  });

  it.each(Object.entries(sources))(
    '%s names where it comes from and what it shows',
    (_file, note) => {
      const { repo, path, commit, url } = note.source;
      const fromRepository = !!repo && !!path && /^[0-9a-f]{40}$/.test(commit ?? '');
      const fromPage = !!url && url.startsWith('https://');
      expect(fromRepository || fromPage).toBe(true);
      expect(note.shows.length).toBeGreaterThan(10);
      if (note.provenance !== 'genuine') expect(note.note).toBeDefined();
    },
  );

  it('holds at least 25 published bodies', () => {
    const published = FILES.filter((file) => !file.startsWith(`${SYNTHESIZED}/`));
    expect(published.length).toBeGreaterThanOrEqual(25);
  });

  // The shapes issue 12 must handle; losing one of them from the corpus fails here.
  const has = (predicate: (file: string) => boolean) => FILES.some(predicate);
  const messages = (file: string) => itemsOf(file, 'messages');
  const statuses = (file: string) => itemsOf(file, 'statuses');
  const contacts = (file: string) => itemsOf(file, 'contacts');
  const fieldIn = (field: string) => (file: string) =>
    changesOf(bodyOf(file)).some((change) => change.field === field);
  const systemType = (type: string) => (file: string) =>
    messages(file).some((m) => isObject(m.system) && m.system.type === type);

  it.each<[string, (file: string) => boolean]>([
    [
      'a message with from_user_id and no from',
      (f) => messages(f).some((m) => 'from_user_id' in m && !('from' in m)),
    ],
    [
      'a contact with a username and no wa_id',
      (f) =>
        contacts(f).some((c) => !('wa_id' in c) && isObject(c.profile) && 'username' in c.profile),
    ],
    [
      'a contact with both wa_id and user_id',
      (f) => contacts(f).some((c) => 'wa_id' in c && 'user_id' in c),
    ],
    [
      'a status with recipient_user_id and no recipient_id',
      (f) => statuses(f).some((s) => 'recipient_user_id' in s && !('recipient_id' in s)),
    ],
    ['a user_changed_user_id system message', systemType('user_changed_user_id')],
    ['a user_changed_number system message', systemType('user_changed_number')],
    ['an edit', (f) => messages(f).some((m) => m.type === 'edit')],
    ['a revoke', (f) => messages(f).some((m) => m.type === 'revoke')],
    [
      'a reaction removed with an empty emoji',
      (f) => messages(f).some((m) => isObject(m.reaction) && m.reaction.emoji === ''),
    ],
    ['an unsupported message', (f) => messages(f).some((m) => m.type === 'unsupported')],
    [
      'per-message pricing',
      (f) => statuses(f).some((s) => isObject(s.pricing) && s.pricing.pricing_model === 'PMP'),
    ],
    [
      'a failed status with errors',
      (f) => statuses(f).some((s) => s.status === 'failed' && Array.isArray(s.errors)),
    ],
    ['smb_message_echoes', fieldIn('smb_message_echoes')],
    ['history', fieldIn('history')],
    ['smb_app_state_sync', fieldIn('smb_app_state_sync')],
    ['user_preferences', fieldIn('user_preferences')],
    ['message_template_status_update', fieldIn('message_template_status_update')],
    ['message_template_quality_update', fieldIn('message_template_quality_update')],
    ['template_category_update', fieldIn('template_category_update')],
    ['phone_number_quality_update', fieldIn('phone_number_quality_update')],
    ['business_capability_update', fieldIn('business_capability_update')],
    ['account_update', fieldIn('account_update')],
    ['calls', fieldIn('calls')],
  ])('covers %s', (_shape, predicate) => {
    expect(has(predicate)).toBe(true);
  });
});

describe.each(FILES)('fixture %s', (file) => {
  it('is a JSON object for whatsapp_business_account with an entry array', () => {
    const body = bodyOf(file);

    expect(body.object).toBe('whatsapp_business_account');
    expect(Array.isArray(body.entry)).toBe(true);
    expect(arrayAt(body, 'entry').length).toBeGreaterThan(0);
  });

  it('decodes with the envelope schema, every change naming its field', () => {
    const decoded = decodeWebhookPayload(rawOf(file));

    const changes = decoded.entry.flatMap((entry) => entry.changes);
    expect(changes.length).toBe(changesOf(bodyOf(file)).length);
    for (const change of changes) {
      expect(typeof change.field).toBe('string');
      expect(change.field.length).toBeGreaterThan(0);
    }
  });

  it('keeps every item for the per-item parsers and other fields whole', () => {
    const decoded = decodeWebhookPayload(rawOf(file));
    const raw = changesOf(bodyOf(file));

    decoded.entry
      .flatMap((entry) => entry.changes)
      .forEach((change, i) => {
        const published = raw[i]!;
        if (isMessagesField(change)) {
          for (const kind of ITEM_KINDS) {
            expect(change.value[kind] ?? []).toEqual(arrayAt(published.value, kind));
          }
        } else {
          expect(change.value).toEqual(published.value);
        }
      });
  });
});

// Items today's item schemas are meant to read (those with a phone number) must
// come out whole, so the fields issue 12 needs (from_user_id, recipient_user_id,
// username, pricing.type) are still there for the writer.
const withPhone = (kind: (typeof ITEM_KINDS)[number], key: string) => () =>
  FILES.flatMap((file) =>
    itemsOf(file, kind)
      .filter((item) => typeof item[key] === 'string')
      .map((item) => [file, item] as const),
  );

// errors[] of messages and statuses, and value-level errors[].
const webhookErrors = () =>
  FILES.flatMap((file) =>
    [
      ...[...itemsOf(file, 'messages'), ...itemsOf(file, 'statuses')].flatMap((item) =>
        arrayAt(item, 'errors'),
      ),
      ...itemsOf(file, 'errors'),
    ].map((error) => [file, error] as const),
  );

describe.each([
  ['parseInboundMessage', parseInboundMessage, withPhone('messages', 'from')],
  ['parseStatus', parseStatus, withPhone('statuses', 'recipient_id')],
  ['parseContact', parseContact, withPhone('contacts', 'wa_id')],
  ['parseWebhookError', parseWebhookError, webhookErrors],
] as const)('%s on the corpus', (_name, parse, items) => {
  it.each(items())('reads the item in %s and keeps every field', (_file, item) => {
    const parsed = parse(item);

    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(item);
  });
});
