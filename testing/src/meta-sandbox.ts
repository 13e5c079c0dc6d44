/**
 * Meta sandbox: a local stand-in for the WhatsApp Cloud API Graph endpoints,
 * so the whole loop (customer message → stored → answered → reply → its
 * statuses) runs on one laptop and in tests without a Meta app.
 *
 * Endpoints
 * - `POST /{version}/{phone_number_id}/messages` (any `vNN.N`):
 *   - a send (`{ messaging_product: 'whatsapp', to, type, ... }`) is validated
 *     as Meta does (text ≤ 4096; reply buttons 1–3, titles ≤ 20; lists ≤ 10
 *     sections and ≤ 10 rows, row title ≤ 24, description ≤ 72, button ≤ 20;
 *     template name + language; media id or link) and answered
 *     `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id: wamid }] }`;
 *     a user known only by username is addressed by `recipient` (its business-scoped
 *     user id) and answered `contacts: [{ input, user_id }]`; its status webhooks carry
 *     `recipient_user_id` and no `recipient_id`. A user id put in `to` is accepted and
 *     silently dropped (no status ever comes), as Meta does;
 *   - a read (`{ messaging_product, status: 'read', message_id, typing_indicator? }`)
 *     is answered `{ success: true }` and listed in `reads()`;
 *   - invalid requests get HTTP 400 with Meta's error shape and code 100:
 *     `{ error: { message, type: 'OAuthException', code, error_subcode?,
 *       error_data: { messaging_product: 'whatsapp', details }, fbtrace_id } }`;
 *   - with `accessToken` set, a missing/wrong `Authorization: Bearer` gets 401, code 190.
 * - `GET /sandbox/messages`, `GET /sandbox/reads`: what the bot sent / marked read (JSON).
 * - `POST /sandbox/faults` (a SandboxFault as JSON) queues an error for the next
 *   matching send(s); `DELETE /sandbox/faults` clears them. Faults apply in
 *   queue order, after validation, to sends only. `"times": "Infinity"` keeps
 *   one until cleared; `"to"` limits it to one recipient. Examples:
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"code":131047,"httpStatus":400}'              # 24 h window closed
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"code":130429,"httpStatus":429,"times":2}'    # throughput limit
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"code":131056,"httpStatus":400,"to":"16505551234"}' # pair rate
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"code":131030,"httpStatus":400}'              # not on WhatsApp / allowed list
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"code":131000,"httpStatus":500}'              # Meta-side HTTP 500
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"lose":"reset"}'   # sent, then the connection resets
 *     curl -XPOST $SANDBOX/sandbox/faults -d '{"lose":"hang"}'    # sent, the answer never comes
 *     curl -XDELETE $SANDBOX/sandbox/faults
 * - `GET /{version}/{media-id}` and `GET /sandbox/media-files/{media-id}`: media lookups and
 *   downloads (meta-sandbox/media.ts: ids from `addMedia`, test ids with fault prefixes).
 * - anything else: 404 JSON.
 *
 * Status timing: after each accepted send, when a webhook URL is known, three
 * separate signed webhooks (X-Hub-Signature-256 over Meta's escaped bytes) are
 * posted: `sent`, `delivered`, `read`, at `statusDelaysMs` after the send
 * (default 100 / 300 / 800 ms), in that order. `sent` and `delivered` carry
 * conversation and pricing; `biz_opaque_callback_data` is echoed. Test
 * recipients (see statusSteps): a wa_id ending in 0000 gets `sent` then
 * `failed` (131026, undeliverable), one ending in 1111 is delivered but never
 * read. A failed
 * POST is retried after 0.25, 1 and 4 s, then logged. `close()` cancels all of it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, isBusinessScopedUserId } from '@waba/whatsapp';
import { wamid as newWamid } from '@waba/whatsapp/testing';
import { createFaultQueue, parseFault } from './meta-sandbox/fault-queue';
import { fbtraceId, graphError, invalidParameter, invalidToken } from './meta-sandbox/graph-error';
import type { GraphErrorResponse } from './meta-sandbox/graph-error';
import { parseJson, readBody, sendJson } from './meta-sandbox/http';
import { createSandboxMedia } from './meta-sandbox/media';
import { createStatusWebhooks } from './meta-sandbox/status-webhooks';
import { parseMessagesRequest } from './meta-sandbox/validate-request';
import type {
  MetaSandbox,
  MetaSandboxOptions,
  SandboxMessage,
  SandboxRead,
} from './meta-sandbox/types';

export type * from './meta-sandbox/types';
export {
  SANDBOX_MEDIA_FAULTS,
  sandboxMediaBytes,
  sandboxMediaId,
  sandboxMediaSha256,
} from './meta-sandbox/media';
export type { SandboxMediaFault } from './meta-sandbox/media';

const DEFAULT_DELAYS = { sent: 100, delivered: 300, read: 800 };
const DEFAULT_WAIT_MS = 5000;
// Graph rejects request bodies far below this; the cap only protects the laptop.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MESSAGES_PATH = /^\/v\d+\.\d+\/([^/]+)\/messages\/?$/;

/** Starts the sandbox; resolves once it listens (port 0 picks a free port). */
export async function startMetaSandbox(options: MetaSandboxOptions): Promise<MetaSandbox> {
  const logger = (options.logger ?? createLogger('meta-sandbox')).child({
    component: 'meta-sandbox',
  });
  const sent: SandboxMessage[] = [];
  const reads: SandboxRead[] = [];
  const faults = createFaultQueue();
  const waiters = new Set<{ n: number; resolve: () => void; reject: (e: Error) => void }>();
  const { webhookUrl } = options;
  const statusWebhooks =
    options.statusDelaysMs === false
      ? undefined
      : createStatusWebhooks({
          webhookUrl: typeof webhookUrl === 'function' ? webhookUrl : () => webhookUrl,
          appSecret: options.appSecret,
          wabaId: options.wabaId,
          ...(options.displayPhoneNumber === undefined
            ? {}
            : { displayPhoneNumber: options.displayPhoneNumber }),
          delays: options.statusDelaysMs ?? DEFAULT_DELAYS,
          logger,
          onStatus: (id, step) => {
            const message = sent.find((m) => m.wamid === id);
            if (message) message.status = step;
          },
        });

  function handleMessages(phoneNumberId: string, body: unknown): Reply {
    const request = parseMessagesRequest(body);
    if (request.kind === 'invalid') return errorReply(request.error);
    const at = new Date().toISOString();
    if (request.kind === 'read') {
      reads.push({ phoneNumberId, messageId: request.messageId, typing: request.typing, at });
      return [200, { success: true }];
    }
    const fault = faults.take(request.to);
    if (fault && 'code' in fault) {
      logger.info({ code: fault.code, httpStatus: fault.httpStatus }, 'send answered with a fault');
      return errorReply(graphError(fault));
    }
    const byUserId = request.addressedBy === 'recipient';
    // Meta answers with the digits of the number as the wa_id; a user id as it is.
    const waId = byUserId ? request.to : request.to.replace(/\D/g, '') || request.to;
    const id = newWamid(waId);
    sent.push({
      wamid: id,
      phoneNumberId,
      to: request.to,
      addressedBy: request.addressedBy,
      type: request.type,
      body,
      at,
      status: 'accepted',
    });
    logger.info({ wamid: id, type: request.type }, 'message accepted');
    for (const waiter of waiters) if (sent.length >= waiter.n) waiter.resolve();
    // Like Meta, a business-scoped user id put in `to` is accepted and then dropped: no status ever comes.
    const dropped = !byUserId && isBusinessScopedUserId(request.to);
    if (dropped)
      logger.warn({ wamid: id }, 'a user id in `to`: accepted and dropped, as Meta does');
    if (!dropped)
      statusWebhooks?.schedule({
        wamid: id,
        phoneNumberId,
        waId,
        byUserId,
        type: request.type,
        ...(request.bizOpaque === undefined ? {} : { bizOpaque: request.bizOpaque }),
      });
    const answer: Reply = [
      200,
      {
        messaging_product: 'whatsapp',
        contacts: [
          byUserId ? { input: request.to, user_id: waId } : { input: request.to, wa_id: waId },
        ],
        messages: [{ id }],
      },
    ];
    if (fault) logger.info({ wamid: id, lose: fault.lose }, 'send accepted, its answer lost');
    return fault ? [...answer, fault.lose] : answer;
  }

  function route(req: IncomingMessage, path: string, body: unknown): Reply {
    const method = req.method ?? 'GET';
    const graph = MESSAGES_PATH.exec(path);
    if (graph && method === 'POST') {
      const expected = `Bearer ${options.accessToken}`;
      if (options.accessToken !== undefined && req.headers.authorization !== expected) {
        return errorReply(invalidToken());
      }
      return handleMessages(decodeURIComponent(graph[1] as string), body);
    }
    if (path === '/sandbox/messages' && method === 'GET') return [200, sent];
    if (path === '/sandbox/reads' && method === 'GET') return [200, reads];
    if (path === '/sandbox/faults' && method === 'DELETE') {
      faults.clear();
      return [200, { success: true, pending: 0 }];
    }
    if (path === '/sandbox/faults' && method === 'POST') {
      const fault = parseFault(body);
      if (typeof fault === 'string') return [400, { error: { message: fault } }];
      faults.add(fault);
      return [201, { success: true, pending: faults.size() }];
    }
    return [404, notFound(method, path)];
  }

  const address: { url?: string } = {};
  const media = createSandboxMedia({
    baseUrl: () => address.url ?? '',
    sendError: (res, error) => sendJson(res, error.httpStatus, error.body),
  });
  const authorized = (req: IncomingMessage) =>
    options.accessToken === undefined ||
    req.headers.authorization === `Bearer ${options.accessToken}`;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const mediaPath = (req.url ?? '/').split('?')[0] as string;
    if (media.handle(req, res, mediaPath, authorized(req))) return;
    readBody(req, MAX_BODY_BYTES)
      .then((raw) => {
        if (raw === undefined)
          return sendJson(res, 413, { error: { message: 'Request body too large' } });
        const parsed = parseJson(raw);
        if ('invalid' in parsed) {
          const [status, body] = errorReply(
            invalidParameter('The request body is not valid JSON.'),
          );
          return sendJson(res, status, body);
        }
        const path = (req.url ?? '/').split('?')[0] as string;
        const [status, body, lose] = route(req, path, parsed.value);
        // The request was read and the send recorded; the client never learns it.
        if (lose === 'reset') return void req.socket.destroy();
        if (lose === 'hang') return;
        const headers: Record<string, string> =
          status === 401
            ? {
                'www-authenticate':
                  'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"',
              }
            : {};
        sendJson(res, status, body, headers);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'sandbox request failed');
        if (!res.headersSent) sendJson(res, 500, { error: { message: 'sandbox error' } });
      });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  address.url = url;
  logger.info({ url }, 'meta sandbox listening');

  return {
    url,
    messages: () => sent.map((m) => ({ ...m })),
    reads: () => reads.map((r) => ({ ...r })),
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    addMedia: (bytes, mimeType) => media.add(bytes, mimeType),
    mediaRequests: (mediaId) => media.requests(mediaId),
    waitForMessages(n, timeoutMs = DEFAULT_WAIT_MS) {
      if (sent.length >= n) return Promise.resolve(sent.slice(0, n));
      return new Promise<SandboxMessage[]>((resolve, reject) => {
        const waiter = {
          n,
          resolve: () => finish(() => resolve(sent.slice(0, n))),
          reject: (error: Error) => finish(() => reject(error)),
        };
        const timer = setTimeout(
          () =>
            waiter.reject(
              new Error(`expected ${n} messages within ${timeoutMs} ms, got ${sent.length}`),
            ),
          timeoutMs,
        );
        function finish(settle: () => void): void {
          clearTimeout(timer);
          waiters.delete(waiter);
          settle();
        }
        waiters.add(waiter);
      });
    },
    async close() {
      statusWebhooks?.close();
      for (const waiter of waiters) waiter.reject(new Error('meta sandbox closed'));
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Status and JSON body; a third element loses the answer instead of sending it. */
type Reply = [number, unknown] | [number, unknown, 'reset' | 'hang'];

function errorReply(error: GraphErrorResponse): Reply {
  return [error.httpStatus, error.body];
}

function notFound(method: string, path: string): unknown {
  return {
    error: {
      message: `Unknown path components: ${method} ${path}`,
      type: 'OAuthException',
      code: 2500,
      fbtrace_id: fbtraceId(),
    },
  };
}

/**
 * A sandbox for consumer tests: a free port, app secret `s`, and statuses only
 * when a test asks for them (no delayed sent/delivered/read).
 */
export function startTestSandbox(
  options: Pick<MetaSandboxOptions, 'wabaId'> & Partial<MetaSandboxOptions>,
): Promise<MetaSandbox> {
  return startMetaSandbox({ port: 0, appSecret: 's', statusDelaysMs: false, ...options });
}
