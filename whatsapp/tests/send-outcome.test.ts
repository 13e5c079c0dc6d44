import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GRAPH_TOKEN_PLACEHOLDER,
  GraphTokenError,
  classifySendFailure,
  createGraphClient,
  type AccessTokenSource,
  type SendFailure,
} from '../src';

const PHONE = '106540352242922';
const TO = '16505551234';

type Responder = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server that reads each request fully, counts it, then answers as told. */
async function startServer(
  respond: Responder,
): Promise<{ url: string; received: () => number; stop: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const envelope = (code: number) => ({
  error: { message: 'Graph says no', type: 'OAuthException', code, fbtrace_id: 'trace' },
});

async function failureOf(baseUrl: string, timeoutMs = 2000): Promise<SendFailure> {
  const client = createGraphClient({ accessToken: 'EAAG-token', baseUrl, timeoutMs });
  try {
    await client.sendText(PHONE, TO, 'hi');
  } catch (error) {
    return classifySendFailure(error);
  }
  throw new Error('expected the send to fail');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('classifySendFailure() with the real Graph client', () => {
  describe('the request may have reached Meta: unknown, never retried blindly', () => {
    it.each<[string, Responder]>([
      ['the connection is reset after the request was read', (req) => req.socket.destroy()],
      [
        'HTTP 502 without an error envelope',
        (_q, res) => res.writeHead(502).end('<html>Bad gateway</html>'),
      ],
      ['HTTP 500 with code 131000', (_q, res) => json(res, 500, envelope(131000))],
      ['HTTP 500 with code 1 (unknown error)', (_q, res) => json(res, 500, envelope(1))],
      ['HTTP 503 with a code nobody classified', (_q, res) => json(res, 503, envelope(987654))],
      ['HTTP 200 with a body that is not a send result', (_q, res) => json(res, 200, { ok: 1 })],
    ])('%s', async (_label, respond) => {
      const server = await startServer(respond);
      try {
        expect(await failureOf(server.url)).toMatchObject({ outcome: 'unknown' });
        expect(server.received()).toBe(1);
      } finally {
        await server.stop();
      }
    });

    it('the answer does not come within the time limit', async () => {
      const server = await startServer(() => undefined);
      try {
        const failure = await failureOf(server.url, 200);
        expect(failure).toMatchObject({
          outcome: 'unknown',
          reason: expect.stringMatching(/timed out/),
        });
        expect(server.received()).toBe(1);
      } finally {
        await server.stop();
      }
    });
  });

  describe('Meta refused: nothing went out', () => {
    it.each<[string, number, number, boolean, string]>([
      ['throughput 130429', 429, 130429, true, 'retry-number'],
      ['pair rate 131056', 400, 131056, true, 'retry-recipient'],
      ['service unavailable (code 2)', 503, 2, true, 'retry'],
      ['24-hour window closed 131047', 400, 131047, false, 'permanent'],
      ['policy block 368', 403, 368, false, 'blocked'],
    ])('%s', async (_label, status, code, retryable, kind) => {
      const server = await startServer((_q, res) => json(res, status, envelope(code)));
      try {
        expect(await failureOf(server.url)).toMatchObject({
          outcome: 'refused',
          retryable,
          kind,
          code,
          token: false,
        });
      } finally {
        await server.stop();
      }
    });

    it('HTTP 429 without an envelope is a retryable refusal', async () => {
      const server = await startServer((_q, res) => res.writeHead(429).end('slow down'));
      try {
        expect(await failureOf(server.url)).toMatchObject({ outcome: 'refused', retryable: true });
      } finally {
        await server.stop();
      }
    });
  });

  describe('the request provably never left: a retryable refusal', () => {
    it('connection refused', async () => {
      const failure = await failureOf(`http://127.0.0.1:${await freePort()}`);
      expect(failure).toMatchObject({ outcome: 'refused', retryable: true });
    });

    it('DNS failure', async () => {
      const failure = await failureOf('http://graph.does-not-exist.invalid');
      expect(failure).toMatchObject({ outcome: 'refused', retryable: true });
    });

    it('TLS handshake failure, before the request was written', async () => {
      // An https client talking to a plain HTTP server fails in the handshake.
      const server = await startServer((_q, res) => json(res, 200, {}));
      try {
        const failure = await failureOf(server.url.replace('http:', 'https:'));
        expect(failure).toMatchObject({ outcome: 'refused', retryable: true });
        expect(server.received()).toBe(0);
      } finally {
        await server.stop();
      }
    });
  });
});

describe('the Graph client and its access token', () => {
  it('refuses a placeholder token without any network call', async () => {
    const server = await startServer((_q, res) => json(res, 200, {}));
    try {
      const client = createGraphClient({
        accessToken: GRAPH_TOKEN_PLACEHOLDER,
        baseUrl: server.url,
      });
      await expect(client.checkToken()).rejects.toBeInstanceOf(GraphTokenError);
      const error: unknown = await client.sendText(PHONE, TO, 'hi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphTokenError);
      expect(classifySendFailure(error)).toMatchObject({ outcome: 'refused', token: true });
      expect(server.received()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  function rotatingToken(values: string[]): AccessTokenSource & { rereads: number } {
    const source = {
      rereads: 0,
      current: async () => values[0]!,
      reread: async () => {
        source.rereads += 1;
        values.shift();
        return values[0]!;
      },
    };
    return source;
  }
  const sendOk = { messaging_product: 'whatsapp', messages: [{ id: 'wamid.OK' }] };

  it('after a 190 re-reads the token once and sends with the new one', async () => {
    const seen: string[] = [];
    const server = await startServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (req.headers.authorization === 'Bearer new-token') json(res, 200, sendOk);
      else json(res, 401, envelope(190));
    });
    try {
      const token = rotatingToken(['expired-token', 'new-token']);
      const client = createGraphClient({ accessToken: token, baseUrl: server.url });

      const [result] = await client.sendText(PHONE, TO, 'hi');

      expect(result!.wamid).toBe('wamid.OK');
      expect(token.rereads).toBe(1);
      expect(seen).toEqual(['Bearer expired-token', 'Bearer new-token']);
    } finally {
      await server.stop();
    }
  });

  it('after a 190 with the same token in the secret, fails with GraphTokenError and sends nothing again', async () => {
    const server = await startServer((_q, res) => json(res, 401, envelope(190)));
    try {
      const token = rotatingToken(['expired-token', 'expired-token']);
      const client = createGraphClient({ accessToken: token, baseUrl: server.url });

      const error: unknown = await client.sendText(PHONE, TO, 'hi').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GraphTokenError);
      expect(token.rereads).toBe(1);
      expect(server.received()).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
