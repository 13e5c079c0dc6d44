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
import { cliLines as cli } from './helpers/cli';
import { UsageError } from '../src/cli-common';

const NUMBER = { phoneNumberId: '3200001', wabaId: '4200001' };
const CUSTOMER = '5521900000001';

describe('contact export|erase, org show|retention (CLI)', () => {
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

  it('org retention sets the retention per organization and org show shows the effective policy', async () => {
    expect(await cli('org', 'show', '--org', 'acme')).toEqual([
      expect.stringMatching(/^acme\t[0-9a-f-]{36}\tAcme$/),
      'messages\tkept',
      'raw bodies\tkept (until its partition is dropped: WEBHOOK_EVENTS_RETENTION_MONTHS, default 3 months)',
      'status events\tkept (until its partition is dropped: STATUS_EVENTS_RETENTION_MONTHS, default 13 months)',
      'media\tkept',
    ]);
    await cli(
      'org',
      'retention',
      '--org',
      'acme',
      '--messages-days',
      '30',
      '--raw-bodies-days',
      '7',
    );
    const shown = await cli('org', 'show', '--org', 'acme');
    expect(shown.slice(1, 3)).toEqual(['messages\t30 days', 'raw bodies\t7 days']);
    await cli('org', 'set', '--org', 'acme', '--media-retention-days', '45');
    expect((await cli('org', 'show', '--org', 'acme'))[4]).toBe(
      'media\t45 days (lifecycle tier 90)',
    );
    await cli('org', 'retention', '--org', 'acme', '--messages-days', 'none');
    expect((await cli('org', 'show', '--org', 'acme'))[1]).toBe('messages\tkept');
    await expect(cli('org', 'retention', '--org', 'acme', '--messages-days', '0')).rejects.toThrow(
      '--messages-days: a whole number of days ≥ 1, or none',
    );
    const maintained = await cli('db', 'maintain');
    expect(maintained).toContainEqual(
      expect.stringMatching(/^redacted past organization retention: messages \d+/),
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
