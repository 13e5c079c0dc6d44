import { processSqsEvent, sqsMediaQueue } from '@waba/db-processor';
import { metaEscape } from '@waba/whatsapp';
import {
  audioMessage,
  createQueueWithDlq,
  createTestQueues,
  documentMessage,
  imageMessage,
  messagesEntry,
  processorDeps,
  receiveRecords,
  registerDefaultOrganization,
  sqsEvent,
  sqsRecord,
  stickerMessage,
  textMessage,
  useTestDatabase,
  videoMessage,
  webhookPayload,
  type QueuePair,
  type TestQueues,
} from '@waba/testing';

const body = (messages: object[]) =>
  metaEscape(JSON.stringify(webhookPayload({ entries: [messagesEntry({ messages })] })));

describe('processSqsEvent(): media of inbound messages', () => {
  const t = useTestDatabase();
  let aws: TestQueues;
  let media: QueuePair;
  let org: string;

  beforeAll(async () => {
    aws = await createTestQueues();
  });
  beforeEach(async () => {
    await t.reset();
    org = await registerDefaultOrganization(t.db);
    media = await createQueueWithDlq(aws.sqs, `media-${Math.random().toString(36).slice(2, 10)}`);
  });

  const run = (bodies: string[], withQueue = true) =>
    processSqsEvent(
      sqsEvent(bodies.map((b) => sqsRecord(b))),
      processorDeps(t.db, withQueue ? { media: sqsMediaQueue(aws.sqs, media.url) } : {}),
    );
  const jobs = async () => {
    const out = [];
    for (;;) {
      const got = await receiveRecords(aws.sqs, media.url, { waitSeconds: 0 });
      if (got.length === 0) return out;
      out.push(...got.map((r) => JSON.parse(r.body)));
    }
  };
  const rows = () =>
    t.db
      .selectFrom('media_objects as o')
      .leftJoin('messages as m', 'm.id', 'o.message_id')
      .select(['o.media_id', 'o.media_type', 'o.state', 'o.attempts', 'm.wamid as messageWamid'])
      .orderBy('o.media_id')
      .execute();

  const items = [
    imageMessage({ mediaId: 'm-image', caption: 'my receipt' }),
    videoMessage({ mediaId: 'm-video' }),
    audioMessage({ mediaId: 'm-voice', voice: true }),
    documentMessage({ mediaId: 'm-doc' }),
    stickerMessage({ mediaId: 'm-sticker' }),
    textMessage({ body: 'no media here' }),
  ];

  it('queues one job per media item after the commit and records each as pending', async () => {
    expect((await run([body(items)])).batchItemFailures).toEqual([]);

    const queued = await jobs();
    expect(queued.map((j) => [j.mediaId, j.mediaType]).sort()).toEqual([
      ['m-doc', 'document'],
      ['m-image', 'image'],
      ['m-sticker', 'sticker'],
      ['m-video', 'video'],
      ['m-voice', 'audio'],
    ]);
    const image = queued.find((j) => j.mediaId === 'm-image');
    const wamidOfImage = (items[0] as { id: string }).id;
    expect(image).toEqual({
      organizationId: org,
      messageId: expect.any(Number),
      wamid: wamidOfImage,
      mediaId: 'm-image',
      mediaType: 'image',
      mimeType: 'image/jpeg',
      sha256: (items[0] as { image: { sha256: string } }).image.sha256,
    });
    const stored = await rows();
    expect(stored).toHaveLength(5);
    expect(stored.every((r) => r.state === 'pending' && r.attempts === 0)).toBe(true);
    expect(stored.find((r) => r.media_id === 'm-image')?.messageWamid).toBe(wamidOfImage);
  });

  it('a redelivery adds no row and queues the still pending media again; settled media is not queued', async () => {
    await run([body(items)]);
    await jobs();
    await t.db
      .updateTable('media_objects')
      .set({ state: 'stored' })
      .where('media_id', '=', 'm-image')
      .execute();

    await run([body(items)]);

    expect(await rows()).toHaveLength(5);
    expect((await jobs()).map((j) => j.mediaId).sort()).toEqual([
      'm-doc',
      'm-sticker',
      'm-video',
      'm-voice',
    ]);
  });

  it('the same media id in two messages is one row', async () => {
    await run([body([imageMessage({ mediaId: 'm-same' }), imageMessage({ mediaId: 'm-same' })])]);

    expect((await rows()).map((r) => r.media_id)).toEqual(['m-same']);
  });

  it('without a media queue, media is not archived', async () => {
    await run([body(items)], false);

    expect(await rows()).toEqual([]);
  });
});
