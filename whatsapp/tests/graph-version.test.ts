import * as z from 'zod/mini';
import { createGraphClient, DEFAULT_GRAPH_VERSION, envGraphVersion, parseEnv } from '../src';
import { startUrlRecorder, type UrlRecorder } from '../src/testing';

/** Graph API versions Meta has retired or retires by 2027-01-21 (versions changelog). */
const RETIRING = ['v19.0', 'v20.0', 'v21.0'];

describe('Graph API version', () => {
  let graph: UrlRecorder;

  beforeAll(async () => {
    graph = await startUrlRecorder();
  });
  afterEach(() => void graph.urls.splice(0));
  afterAll(() => graph.close());

  it('a client without a version calls the default one, which is not a retiring version', async () => {
    await createGraphClient({ accessToken: 't', baseUrl: graph.url }).markReadWithTyping(
      '123',
      'wamid.A',
    );

    expect(graph.urls).toEqual([`/${DEFAULT_GRAPH_VERSION}/123/messages`]);
    expect(RETIRING).not.toContain(DEFAULT_GRAPH_VERSION);
  });

  it('a client given a version calls that one', async () => {
    const client = createGraphClient({ accessToken: 't', baseUrl: graph.url, apiVersion: 'v26.0' });

    await client.markReadWithTyping('123', 'wamid.A');

    expect(graph.urls).toEqual(['/v26.0/123/messages']);
  });

  describe('WHATSAPP_GRAPH_VERSION', () => {
    const schema = z.object({ WHATSAPP_GRAPH_VERSION: envGraphVersion() });

    it('unset: the default version', () => {
      expect(parseEnv(schema, {}).WHATSAPP_GRAPH_VERSION).toBe(DEFAULT_GRAPH_VERSION);
    });

    it('set: that version', () => {
      const env = parseEnv(schema, { WHATSAPP_GRAPH_VERSION: 'v26.0' });

      expect(env.WHATSAPP_GRAPH_VERSION).toBe('v26.0');
    });

    it.each(['', '25.0', 'v25', 'latest', 'v25.0/'])('refuses %p, naming the variable', (value) => {
      expect(() => parseEnv(schema, { WHATSAPP_GRAPH_VERSION: value })).toThrow(
        /WHATSAPP_GRAPH_VERSION must be a Graph API version/,
      );
    });
  });
});
