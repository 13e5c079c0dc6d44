import { createHash } from 'node:crypto';
import pino from 'pino';
import {
  createGraphClient,
  GraphApiError,
  GraphTokenError,
  type GraphClient,
} from '@waba/whatsapp';
import {
  sandboxMediaBytes,
  sandboxMediaId,
  sandboxMediaSha256,
  startTestSandbox,
  type MetaSandbox,
} from '@waba/testing';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('Meta sandbox media, through GraphClient.getMedia() and downloadMedia()', () => {
  let sandbox: MetaSandbox;
  let graph: GraphClient;

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      wabaId: '1',
      accessToken: 'token',
      logger: pino({ level: 'silent' }),
    });
    graph = createGraphClient({ accessToken: 'token', baseUrl: sandbox.url, apiVersion: 'v25.0' });
  });
  afterAll(() => sandbox.close());

  const download = async (url: string) =>
    Buffer.from(await (await graph.downloadMedia(url, 2000)).arrayBuffer());

  it('serves a file it handed out: URL, type, hex sha256 and size, then the bytes behind the token', async () => {
    const bytes = Buffer.from('%PDF-1.7 an invoice');
    const { id, sha256 } = sandbox.addMedia(bytes, 'application/pdf');

    const location = await graph.getMedia(id);

    expect(location).toEqual({
      url: expect.stringContaining(`/sandbox/media-files/${id}`),
      mimeType: 'application/pdf',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileSize: bytes.length,
    });
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('base64'));
    expect(await download(location.url)).toEqual(bytes);
    const anonymous = await fetch(location.url);
    expect(anonymous.status).toBe(401);
  });

  it('serves a test id the bytes derived from it, which hash to sandboxMediaSha256()', async () => {
    const id = sandboxMediaId();

    const bytes = await download((await graph.getMedia(id)).url);

    expect(bytes).toEqual(sandboxMediaBytes(id));
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(sandboxMediaSha256(id));
  });

  it('expired-: the lookup answers 404 with code 100, as a GraphApiError', async () => {
    const error = await caught(graph.getMedia(sandboxMediaId('expired')));

    expect(error).toBeInstanceOf(GraphApiError);
    expect(error).toMatchObject({ httpStatus: 404, code: 100, kind: 'permanent' });
  });

  it('error5xx-: always 500, a retryable GraphApiError; flaky-: 503 once, then the URL', async () => {
    expect(await caught(graph.getMedia(sandboxMediaId('error5xx')))).toMatchObject({
      httpStatus: 500,
      kind: 'retry',
    });
    const flaky = sandboxMediaId('flaky');
    expect(await caught(graph.getMedia(flaky))).toMatchObject({ httpStatus: 503, kind: 'retry' });
    expect((await graph.getMedia(flaky)).url).toContain(flaky);
    expect(sandbox.mediaRequests(flaky)).toEqual({ lookups: 2, downloads: 0 });
  });

  it('wrongbytes-: the download serves bytes other than the hash names', async () => {
    const id = sandboxMediaId('wrongbytes');

    const bytes = await download((await graph.getMedia(id)).url);

    expect(createHash('sha256').update(bytes).digest('base64')).not.toBe(sandboxMediaSha256(id));
  });

  it('refuses a wrong token with 190', async () => {
    const stranger = createGraphClient({ accessToken: 'wrong', baseUrl: sandbox.url });

    expect(await caught(stranger.getMedia(sandboxMediaId()))).toBeInstanceOf(GraphTokenError);
  });
});
