import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeOpenAiContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface FakeOpenAi {
  baseURL: string;
  /** Request bodies of /chat/completions, in order. */
  requests: Array<{
    model: string;
    /** A turn's content: text, or text and image parts (`image_url.url` a data URL). */
    messages: Array<{ role: string; content: string | FakeOpenAiContentPart[] }>;
    response_format?: unknown;
  }>;
  /** What the next calls answer: a reply object (or raw content), an HTTP error status, or a delay. */
  behave(b: { reply?: unknown; content?: string; status?: number; delayMs?: number }): void;
  close(): Promise<void>;
}

/** An OpenAI-compatible chat completions server on loopback, for tests of the real SDK path. */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let behaviour: { reply?: unknown; content?: string; status?: number; delayMs?: number } = {
    reply: { messages: ['ok'] },
  };
  const requests: FakeOpenAi['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      requests.push(JSON.parse(body));
      const { reply, content, status, delayMs } = behaviour;
      setTimeout(() => {
        if (status && status >= 400) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: 'fake',
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: content ?? JSON.stringify(reply) },
              },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    behave: (b) => void (behaviour = b),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
