import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { metaEscape, signPayload } from '@waba/whatsapp';
import {
  createTestDatabase,
  imageMessage,
  messagesEntry,
  s3Client,
  sandboxMediaId,
  sandboxMediaSha256,
  until,
  webhookPayload,
  type SandboxMediaFault,
  type TestDatabase,
} from '@waba/testing';
import { runCli } from '../src/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

describe('media on the local stack: webhook → receiver → processor → media queue → archiver → S3', () => {
  let t: TestDatabase;
  let stack: Stack;
  const secret = 'media-secret';

  beforeAll(async () => {
    t = await createTestDatabase();
    stack = await startTestStack(t, { WHATSAPP_APP_SECRET: secret });
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  /** Posts a signed image webhook through the receiver; its wamid, media id and sha256. */
  async function postImage(fault?: SandboxMediaFault, ageSeconds = 0, from?: string) {
    const mediaId = sandboxMediaId(fault);
    const sha256 = sandboxMediaSha256(mediaId);
    const message = imageMessage({
      ...(from === undefined ? {} : { from }),
      mediaId,
      sha256,
      caption: 'here is my receipt',
      timestamp: String(Math.floor(Date.now() / 1000) - ageSeconds),
    });
    const raw = metaEscape(
      JSON.stringify(webhookPayload({ entries: [messagesEntry({ messages: [message] })] })),
    );
    const response = await fetch(`${stack.url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signPayload(raw, secret),
      },
      body: raw,
    });
    expect(response.status).toBe(200);
    return { wamid: message.id, mediaId, sha256 };
  }
  const settled = (mediaId: string, states = ['stored', 'failed', 'expired']) =>
    until(
      () =>
        t.db
          .selectFrom('media_objects')
          .selectAll()
          .where('media_id', '=', mediaId)
          .where('state', 'in', states as never)
          .executeTakeFirst(),
      15_000,
    );
  const cli = async (args: string[]) => {
    const lines: string[] = [];
    await runCli(args, (l) => lines.push(l));
    return lines;
  };

  it('an image webhook ends as an S3 object whose bytes hash to the webhook sha256', async () => {
    const image = await postImage();

    const row = await settled(image.mediaId);

    expect(row.state).toBe('stored');
    const object = await s3Client({
      endpoint: stack.state.awsEndpoint,
      region: stack.state.region,
    }).send(new GetObjectCommand({ Bucket: stack.queues.mediaBucket, Key: row.s3_key! }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(image.sha256);
  });

  it('npm run cli -- media get <wamid> prints key, size, sha256 and a presigned URL that serves the file; --out writes it', async () => {
    const image = await postImage();
    const row = await settled(image.mediaId);

    const lines = await cli(['media', 'get', image.wamid]);

    expect(lines).toContain(`key ${row.s3_key}`);
    expect(lines).toContain(`size ${row.bytes} bytes`);
    expect(lines).toContain(`sha256 ${image.sha256}`);
    const url = lines.find((l) => l.startsWith('url '))!.slice(4);
    const served = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(createHash('sha256').update(served).digest('base64')).toBe(image.sha256);

    const out = join(mkdtempSync(join(tmpdir(), 'media-')), 'receipt.jpg');
    await cli(['media', 'get', image.wamid, '--out', out]);
    expect(createHash('sha256').update(readFileSync(out)).digest('base64')).toBe(image.sha256);
  });

  it("contact export writes the customer's archived file; contact erase deletes it from S3 with its row", async () => {
    const customer = '5531988887777';
    const image = await postImage(undefined, 0, customer);
    const row = await settled(image.mediaId);
    const out = join(mkdtempSync(join(tmpdir(), 'export-')), 'customer.jsonl');

    const exported = await cli([
      'contact',
      'export',
      '--org',
      'default',
      '--wa-id',
      customer,
      '--out',
      out,
    ]);

    expect(exported).toContain(`wrote 1 media file(s) to ${out}.media/`);
    const file = readFileSync(join(`${out}.media`, image.mediaId));
    expect(createHash('sha256').update(file).digest('base64')).toBe(image.sha256);
    const kinds = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).kind);
    expect(kinds).toContain('media_object');

    const erased = await cli([
      'contact',
      'erase',
      '--org',
      'default',
      '--wa-id',
      customer,
      '--by',
      'ticket-7',
    ]);

    expect(erased).toContain('media files deleted\t1');
    const s3 = s3Client({ endpoint: stack.state.awsEndpoint, region: stack.state.region });
    await expect(
      s3.send(new GetObjectCommand({ Bucket: stack.queues.mediaBucket, Key: row.s3_key! })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(
      await t.db
        .selectFrom('media_objects')
        .select('id')
        .where('media_id', '=', image.mediaId)
        .execute(),
    ).toEqual([]);
  });

  it.each([
    ['expired', 8 * 86_400, 'expired', /404/],
    ['wrongbytes', 0, 'failed', /^sha256 mismatch/],
    ['toolarge', 0, 'failed', /limit/],
  ] as const)('sandbox fault %s (message %i s old) ends %s', async (fault, age, state, reason) => {
    const image = await postImage(fault, age);

    const row = await settled(image.mediaId);

    expect(row.state).toBe(state);
    expect(row.reason).toMatch(reason);
  });

  it('a 5xx leaves the media pending with its reason, for the queue to retry', async () => {
    const image = await postImage('error5xx');

    const row = await until(() =>
      t.db
        .selectFrom('media_objects')
        .selectAll()
        .where('media_id', '=', image.mediaId)
        .where('attempts', '>=', 1)
        .where('reason', 'is not', null)
        .executeTakeFirst(),
    );

    expect(row.state).toBe('pending');
    expect(row.reason).toMatch(/HTTP 500/);
  });

  it('npm run send -- image posts an image the sandbox serves; the media get line it prints finds it stored', async () => {
    const root = join(__dirname, '..', '..');
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['local/src/send.ts', 'image', 'my', 'receipt', '--url', stack.url],
      { cwd: root, env: { ...process.env, WHATSAPP_APP_SECRET: secret } },
    );
    expect(stdout).toContain('→ 200');
    const [, mediaId, wamid] = /media (\S+) of (\S+): npm run cli -- media get/.exec(stdout)!;

    const row = await settled(mediaId!);

    expect(row).toMatchObject({ state: 'stored', wamid });
    expect((await cli(['media', 'get', wamid!]))[0]).toMatch(/: stored attempts 1$/);
  });

  it('org set --media-retention-days sets the retention; none keeps media for good', async () => {
    expect(await cli(['org', 'set', '--org', 'default', '--media-retention-days', '45'])).toEqual([
      'media of default is kept 45 day(s): expired by S3 after 90 day(s)',
    ]);
    const retention = () =>
      t.db
        .selectFrom('organizations')
        .select('media_retention_days')
        .where('slug', '=', 'default')
        .executeTakeFirstOrThrow();
    expect(await retention()).toEqual({ media_retention_days: 45 });

    await cli(['org', 'set', '--org', 'default', '--media-retention-days', 'none']);
    expect(await retention()).toEqual({ media_retention_days: null });
  });
});
