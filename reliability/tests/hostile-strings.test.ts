import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { metaEscape } from '@waba/whatsapp';
import {
  DEFAULT_PHONE_NUMBER_ID,
  imageMessage,
  messagesEntry,
  textMessage,
  wamid,
  webhookPayload,
  type RawInboundMessage,
  createTestDatabase,
  listTables,
  type TestDatabase,
  registerDefaultOrganization,
} from '@waba/testing';
import { inMemoryIngest, postSigned, processBatch, processorFor } from './helpers/pipeline';
import { countInputs } from './helpers/runs';
import { storable } from './helpers/storable';

/** `n` code points spread over the planes (Latin, CJK, emoji, math, Cyrillic), incompressible enough. */
function unicodeNoise(n: number): string {
  const ranges: Array<[number, number]> = [
    [0x41, 0x5a],
    [0x4e00, 0x9fff],
    [0x1f300, 0x1f64f],
    [0x1d400, 0x1d7ff],
    [0x0400, 0x04ff],
  ];
  let seed = 12345;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const [lo, hi] = ranges[seed % ranges.length]!;
    out.push(String.fromCodePoint(lo + (seed % (hi - lo + 1))));
  }
  return out.join('');
}

const SQL = [
  "'); DROP TABLE messages; --",
  "' OR '1'='1",
  '$$; drop table contacts; $$',
  "\\'; select pg_sleep(10); --",
  "E'\\x00'::bytea; truncate webhook_events cascade; --",
  '%s %n %x {{.}} ${jndi:ldap://x} <script>alert(1)</script>',
];

interface HostileCase {
  name: string;
  from?: string;
  profileName?: string;
  message: (from: string) => RawInboundMessage;
}

const text = (body: string) => (from: string) => textMessage({ from, body });

const CASES: HostileCase[] = [
  ...SQL.map((s, i) => ({ name: `SQL in the body #${i}`, message: text(s) })),
  ...SQL.map((s, i) => ({
    name: `SQL in the profile name #${i}`,
    profileName: s,
    message: text('hi'),
  })),
  { name: 'SQL in the sender wa_id', from: "5511' OR '1'='1", message: text('hi') },
  {
    name: 'SQL in the wamid',
    message: (from) => textMessage({ from, id: "wamid.'); delete from messages; --", body: 'x' }),
  },
  {
    name: 'a 100k-character profile name',
    profileName: unicodeNoise(100_000),
    message: text('hi'),
  },
  { name: 'a 100k-character body (claim-checked)', message: text(unicodeNoise(100_000)) },
  { name: '4096 emoji', message: text('😀'.repeat(4096)) },
  {
    name: 'combining marks, RTL override, BOM, zero-width, noncharacters',
    message: text('Z̷̢̛͖a̴l̵g̶o\u202Egnp.exe\uFEFF\u200B\u200D\uFFFF\u{10FFFF}'),
  },
  { name: 'NUL in the body', message: text('before\0after') },
  { name: 'NUL in the profile name', profileName: 'Ma\0ria', message: text('hi') },
  {
    name: 'NUL in the wamid',
    message: (from) => textMessage({ from, id: `${wamid(from)}\0`, body: 'x' }),
  },
  { name: 'NUL in the sender wa_id', from: '5511\0', message: text('hi') },
  {
    name: 'NUL in a caption',
    message: (from) => imageMessage({ from, caption: 'photo\0caption' }),
  },
  { name: 'a literal backslash-u0000 (text, not NUL)', message: text('C:\\u0000\\path \\\\u0000') },
  { name: 'a lone high surrogate (emoji cut in half)', message: text('cut \ud83d here') },
  { name: 'a lone low surrogate', message: text('cut \ude00 here') },
  { name: 'a lone surrogate in the profile name', profileName: 'Ana \ud83d', message: text('hi') },
];

describe('hostile strings through the receiver and the processor', () => {
  let t: TestDatabase;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    countInputs('hostile-strings', CASES.length);
    await t.destroy();
  });
  beforeEach(async () => {
    await t.reset();
    orgId = await registerDefaultOrganization(t.db);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: stored verbatim (as far as Postgres can hold it), raw payload kept, never poison',
    async (_name, c) => {
      const from = c.from ?? '5511987654321';
      const message = c.message(from);
      const contact = { profile: { name: c.profileName ?? 'Ana' }, wa_id: from };
      const payload = webhookPayload({
        entries: [messagesEntry({ contacts: [contact], messages: [message] })],
      });
      const raw = metaEscape(JSON.stringify(payload));
      const ingest = inMemoryIngest();

      expect(await postSigned(ingest, raw)).toBe(200);
      const result = await processBatch(ingest.take(), processorFor(t.db, ingest));

      expect(result.batchItemFailures).toEqual([]);
      const audit = await t.db.selectFrom('webhook_events').selectAll().execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.outcome).toBe('processed');
      expect(audit[0]!.raw_body === raw).toBe(true);
      expect(audit[0]!.body_sha256).toBe(createHash('sha256').update(raw).digest('hex'));
      const row = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        organization_id: orgId,
        phone_number_id: DEFAULT_PHONE_NUMBER_ID,
        wamid: storable(message.id),
        contact_wa_id: storable(from),
      });
      const expectedBody = message.text?.body ?? message.image?.caption ?? null;
      expect(row.body === storable(expectedBody)).toBe(true);
      expect(row.payload).toEqual(storable(JSON.parse(JSON.stringify(message))));
      const stored = await t.db.selectFrom('contacts').selectAll().executeTakeFirstOrThrow();
      expect(stored.wa_id).toBe(storable(from));
      expect(stored.profile_name === storable(contact.profile.name)).toBe(true);
      // Harmless: every table is still there and holds what it should.
      expect(await listTables(t.db)).toEqual(expect.arrayContaining(['messages', 'contacts']));
      const counts = await sql<{ n: number }>`
        select (select count(*) from messages) + (select count(*) from contacts) as n`.execute(
        t.db,
      );
      expect(counts.rows[0]!.n).toBe(2);
    },
  );

  it('keeps a body with a raw NUL byte out, with a 400 and its reason: JSON forbids it', async () => {
    const raw = metaEscape(
      JSON.stringify(webhookPayload({ entries: [messagesEntry({ messages: [] })] })),
    ).replace('"whatsapp"', '"whats\0app"');
    const ingest = inMemoryIngest();

    expect(await postSigned(ingest, raw)).toBe(400);
    expect(ingest.sent).toEqual([]);
  });
});
