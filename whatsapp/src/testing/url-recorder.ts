import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server that answers `{"success":true}` to everything and records each request's URL. */
export interface UrlRecorder {
  url: string;
  urls: string[];
  close(): Promise<void>;
}

export async function startUrlRecorder(): Promise<UrlRecorder> {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    urls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Starts a consumer from `env` plus WHATSAPP_GRAPH_URL (a recorder) and
 * WHATSAPP_GRAPH_VERSION, makes one Graph call, and returns the URLs Graph saw.
 */
export async function graphUrlsFromEnv(
  start: (env: Record<string, string>) => Promise<{
    graph: { markReadWithTyping(phoneNumberId: string, messageId: string): Promise<void> };
    db: { destroy(): Promise<void> };
  }>,
  env: Record<string, string>,
  version: string,
): Promise<string[]> {
  const recorder = await startUrlRecorder();
  try {
    const deps = await start({
      ...env,
      WHATSAPP_GRAPH_URL: recorder.url,
      WHATSAPP_GRAPH_VERSION: version,
    });
    try {
      await deps.graph.markReadWithTyping('123', 'wamid.A');
    } finally {
      await deps.db.destroy();
    }
    return recorder.urls;
  } finally {
    await recorder.close();
  }
}
