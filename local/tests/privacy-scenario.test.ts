import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { sql } from 'kysely';
import { campaignReport } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  createTestDatabase,
  drainQueue,
  imageMessage,
  messagesEntry,
  postSignedWebhook,
  s3Client,
  sandboxMediaId,
  sandboxMediaSha256,
  searchDatabase,
  sqsClient,
  textMessage,
  until,
  webhookPayload,
  type RawInboundMessage,
  type TestDatabase,
} from '@waba/testing';
import { cliLines as cli } from './helpers/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

/**
 * Issue 19's Done-when on the local stack: a customer who wrote, was answered,
 * received a campaign and sent an image is exported and then erased from the
 * CLI; afterwards neither the database, nor the S3 emulator's buckets, nor
 * the queues hold anything of hers, and the other customer and the campaign's
 * totals are as they were.
 */
describe('a customer exported and erased on the local stack', () => {
  const secret = 'privacy-scenario-secret';
  const PAULA = '5531966660001';
  const OTTO = '5531966660002';
  const PAULA_TEXT = 'my parcel 7781 never came';
  let t: TestDatabase;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-privacy-'));
    stack = await startTestStack(t, { WHATSAPP_APP_SECRET: secret });
    await cli('agent', 'set', '--org', 'default', '--debounce', '0');
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  const post = async (...messages: RawInboundMessage[]) => {
    const raw = metaEscape(
      JSON.stringify(webhookPayload({ entries: [messagesEntry({ messages })] })),
    );
    expect((await postSignedWebhook(`${stack.url}/webhook`, raw, secret)).status).toBe(200);
  };
  const outboundTo = (waId: string) =>
    t.db
      .selectFrom('messages')
      .select('wamid')
      .where('direction', '=', 'outbound')
      .where('contact_wa_id', '=', waId)
      .execute();
  async function objectsNaming(s3: S3Client, bucket: string, needles: string[]) {
    const found: string[] = [];
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const text = Buffer.from(await got.Body!.transformToByteArray()).toString('latin1');
      if (needles.some((n) => text.includes(n))) found.push(o.Key!);
    }
    return found;
  }

  it('wrote, was answered, got a campaign, sent an image: exported whole, then erased everywhere', async () => {
    // She writes and the bot answers; Otto writes too.
    await post(
      textMessage({ from: PAULA, body: PAULA_TEXT }),
      textMessage({ from: OTTO, body: 'hi' }),
    );
    await until(async () => (await outboundTo(PAULA)).length > 0);
    // A campaign to both.
    await cli('template', 'sync', '--org', 'default');
    const created = await cli(
      'campaign', 'create', '--org', 'default', '--name', 'Spring',
      '--template', 'welcome', '--language', 'en_US',
    ); // prettier-ignore
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    const audience = join(dir, 'audience.csv');
    writeFileSync(audience, `wa_id\n${PAULA}\n${OTTO}\n`);
    await cli('campaign', 'import', id, audience);
    await cli('campaign', 'start', id);
    await until(async () => {
      const r = await campaignReport(stack.db, id);
      return r.stats.sent + r.stats.delivered + r.stats.read === 2;
    }, 20_000);
    // She sends a photo; it is archived.
    const mediaId = sandboxMediaId();
    await post(
      imageMessage({
        from: PAULA,
        mediaId,
        sha256: sandboxMediaSha256(mediaId),
        caption: 'receipt',
      }),
    );
    await until(() =>
      t.db
        .selectFrom('media_objects')
        .select('id')
        .where('media_id', '=', mediaId)
        .where('state', '=', 'stored')
        .executeTakeFirst(),
    );
    // Quiet first: every message sent to her (replies, campaign) has its last status, `read`,
    // twice in a row; a status arriving after the erasure would be a new sighting of a new person.
    let seen = '';
    await until(async () => {
      const { rows } = await sql<{ wamid: string; status: string }>`
        select wamid, status from messages
        where direction = 'outbound' and contact_wa_id = ${PAULA} order by wamid`.execute(t.db);
      const now = JSON.stringify(rows);
      const quiet = now === seen && rows.length >= 2 && rows.every((r) => r.status === 'read');
      seen = now;
      return quiet;
    }, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${seen}`);
    });
    // Settled: both campaign sends read (the sandbox reads numbers not ending in 1111).
    let last = '';
    const statsBefore = await until(async () => {
      const stats = (await campaignReport(stack.db, id)).stats;
      const now = JSON.stringify(stats);
      const settled = now === last && stats.read === 2;
      last = now;
      return settled && stats;
    }, 20_000);
    const herWamids = (
      await t.db.selectFrom('messages').select('wamid').where('contact_wa_id', '=', PAULA).execute()
    ).map((m) => m.wamid);
    expect(herWamids.length).toBeGreaterThanOrEqual(4); // her text, the reply, the campaign, the photo
    const needles = [PAULA, PAULA_TEXT, ...herWamids];

    const file = join(dir, 'paula.jsonl');
    const exported = await cli(
      'contact',
      'export',
      '--org',
      'default',
      '--wa-id',
      PAULA,
      '--out',
      file,
    );
    const kinds = new Set(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    );
    for (const kind of [
      'contact',
      'message',
      'status_event',
      'campaign_audience',
      'answer_attempt',
      'media_object',
      'webhook_event',
    ])
      expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    expect(exported).toContain(`wrote 1 media file(s) to ${file}.media/`);

    await cli('contact', 'erase', '--org', 'default', '--wa-id', PAULA, '--by', 'dsr-42');

    expect(await searchDatabase(t.db, needles)).toEqual([]);
    const s3 = s3Client({ endpoint: stack.state.awsEndpoint, region: stack.state.region });
    expect(await objectsNaming(s3, stack.queues.bucket, needles)).toEqual([]);
    expect(await objectsNaming(s3, stack.queues.mediaBucket, needles)).toEqual([]);
    const sqs = sqsClient({ endpoint: stack.state.awsEndpoint, region: stack.state.region });
    for (const q of Object.values(stack.queues).filter((v) => typeof v === 'object'))
      for (const url of [q.url, q.dlqUrl]) {
        const bodies = (await drainQueue(sqs, url, { visibilityTimeoutSeconds: 1 })).map(
          (m) => m.Body!,
        );
        expect([url, bodies.filter((b) => needles.some((n) => b.includes(n)))]).toEqual([url, []]);
      }
    // Otto and the campaign's totals are untouched.
    expect((await searchDatabase(t.db, [OTTO])).length).toBeGreaterThan(0);
    expect((await campaignReport(stack.db, id)).stats).toEqual(statsBefore);
  });
});
