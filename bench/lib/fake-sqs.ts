import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * An SQS endpoint that accepts every SendMessage / SendMessageBatch at once
 * (AWS JSON protocol, with the MD5 the SDK checks), for timing a Lambda
 * without the emulator's own work in the measurement.
 */
export async function startFakeSqs(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      const input = JSON.parse(body || '{}') as {
        MessageBody?: string;
        Entries?: Array<{ Id: string; MessageBody: string }>;
      };
      const out =
        action === 'SendMessageBatch'
          ? {
              Successful: (input.Entries ?? []).map((e) => ({
                Id: e.Id,
                MessageId: randomUUID(),
                MD5OfMessageBody: md5(e.MessageBody),
              })),
              Failed: [],
            }
          : action === 'SendMessage'
            ? { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody ?? '') }
            : {};
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
