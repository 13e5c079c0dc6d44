import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upsertOrganization } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  createTestDatabase,
  messagesEntry,
  processBodies,
  textMessage,
  webhookPayload,
  type TestDatabase,
} from '@waba/testing';
import { runCli } from '../src/cli';
import { UsageError } from '../src/cli-common';

const NUMBER = { phoneNumberId: '3200001', wabaId: '4200001' };
const CUSTOMER = '5521900000001';

describe('contact export|erase (CLI)', () => {
  let t: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-contact-cli-'));
    // No running stack: the CLI works on DATABASE_URL.
    process.env.STACK_STATE_FILE = join(dir, 'no-stack.json');
    process.env.DATABASE_URL = t.url;
    await upsertOrganization(t.db, { name: 'Acme', slug: 'acme', phoneNumbers: [NUMBER] });
    const body = webhookPayload({
      entries: [
        messagesEntry({
          ...NUMBER,
          messages: [textMessage({ from: CUSTOMER, body: 'where is my order' })],
        }),
      ],
    });
    expect(await processBodies(t.db, [metaEscape(JSON.stringify(body))])).toEqual([]);
  });
  afterAll(() => t.destroy());

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    await runCli(args, (l) => out.push(l));
    return out;
  };

  it('export writes the customer as JSON lines, one record per row, and counts them by kind', async () => {
    const file = join(dir, 'export.jsonl');
    const out = await cli('contact', 'export', '--org', 'acme', '--wa-id', CUSTOMER, '--out', file);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(
      expect.arrayContaining(['contact', 'message', 'webhook_event', 'webhook_event_extract']),
    );
    expect(lines.find((l) => l.kind === 'message').row.body).toBe('where is my order');
    expect(out[0]).toBe(`wrote ${lines.length} record(s) to ${file}`);
    expect(out).toContain('message\t1');
  });

  it('erase redacts the customer, logs who asked, and a second erase finds nobody', async () => {
    const out = await cli(
      'contact',
      'erase',
      '--org',
      'acme',
      '--wa-id',
      CUSTOMER,
      '--by',
      'ticket-7',
    );
    expect(out[0]).toMatch(/^erased contact \d+ \(erasure_log \d+\)$/);
    expect(out).toContain('message\t1');
    const [log] = await t.db.selectFrom('erasure_log').selectAll().execute();
    expect(log).toMatchObject({ erased_by: 'ticket-7', row_counts: { contact: 1, message: 1 } });
    const bodies = await t.db.selectFrom('messages').select('body').execute();
    expect(bodies).toEqual([{ body: null }]);
    await expect(
      cli('contact', 'erase', '--org', 'acme', '--wa-id', CUSTOMER, '--by', 'ticket-7'),
    ).rejects.toThrow(`no contact ${CUSTOMER} in this organization`);
    await expect(cli('contact', 'erase', '--org', 'acme', '--wa-id', CUSTOMER)).rejects.toThrow(
      '--by is required',
    );
  });

  it('export needs exactly one of --wa-id and --user-id', async () => {
    const file = join(dir, 'x.jsonl');
    await expect(cli('contact', 'export', '--org', 'acme', '--out', file)).rejects.toThrow(
      UsageError,
    );
    await expect(
      cli(
        'contact',
        'export',
        '--org',
        'acme',
        '--wa-id',
        CUSTOMER,
        '--user-id',
        'US.1',
        '--out',
        file,
      ),
    ).rejects.toThrow('give one of --wa-id or --user-id');
  });
});
