import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifySignature, type Logger } from '@waba/whatsapp';
import type { AppConfig, AppRegistry } from './apps';
import { enqueueWebhook, type IngestQueue, type PayloadStore } from './enqueue';
import {
  BadRequestError,
  EnqueueError,
  NotFoundError,
  ReceiverError,
  SignatureError,
  UnknownAppError,
  VerificationError,
  statusCodeOf,
} from './errors';
import { extractRoutingAttributes } from './routing-attributes';

export interface ReceiverDeps {
  apps: AppRegistry;
  queue: IngestQueue;
  payloads: PayloadStore;
  /** Body + attributes above this go to S3 (SQS: 1 MiB, older queues 256 KiB). */
  maxMessageBytes: number;
  logger: Logger;
  clock: () => Date;
  /**
   * Share of accepted webhooks whose success line is logged (1: every one).
   * Rejections and failures are always logged.
   */
  successLogSampleRate?: number;
  /** Where the sample draws from (tests pass a fixed sequence). */
  random?: () => number;
}

type Result = APIGatewayProxyStructuredResultV2;

const text = (statusCode: number, body: string): Result => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Meta's subscription check: echo `hub.challenge` when the verify token matches. */
function answerChallenge(event: APIGatewayProxyEventV2, app: AppConfig): Result {
  const q = event.queryStringParameters ?? {};
  const token = q['hub.verify_token'];
  if (q['hub.mode'] !== 'subscribe' || token === undefined || !sameString(token, app.verifyToken)) {
    throw new VerificationError('verify token mismatch or hub.mode is not subscribe');
  }
  return text(200, q['hub.challenge'] ?? '');
}

// ignoreBOM keeps a byte order mark in the text, so the text enqueued is exactly the bytes
// Meta signed (JSON forbids a BOM: such a body is refused, not silently altered).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const unredacted = new WeakMap<Logger, Logger>();

/**
 * The logger of the per-request success line. That line holds only our own
 * ids, hashes and counts (never headers or payload), so it skips redaction
 * by path, which costs three times the rest of the line (bench/receiver-cpu.ts).
 */
function requestLogger(logger: Logger): Logger {
  let child = unredacted.get(logger);
  if (!child) {
    child = logger.child({}, { redact: { paths: [] } });
    unredacted.set(logger, child);
  }
  return child;
}

function sampled(deps: ReceiverDeps): boolean {
  const rate = deps.successLogSampleRate ?? 1;
  return rate >= 1 || (rate > 0 && (deps.random ?? Math.random)() < rate);
}

/**
 * The `{appId}` of `/webhook/{appId}`, or undefined for `/webhook`. Behind the
 * HTTP API the route has matched and says so in `pathParameters`; behind a
 * Lambda function URL (routeKey `$default`) every path arrives, so the path
 * is matched here and anything else is 404.
 */
function appIdOf(event: APIGatewayProxyEventV2): string | undefined {
  if (event.routeKey !== '$default') return event.pathParameters?.appId;
  const parts = (event.rawPath ?? '/').split('/').filter(Boolean);
  if (parts[0] !== 'webhook' || parts.length > 2) {
    throw new NotFoundError(`no webhook at ${event.rawPath}`);
  }
  if (parts[1] === undefined) return undefined;
  try {
    return decodeURIComponent(parts[1]);
  } catch {
    // A malformed escape (a scanner's `%E0`) is no app of ours: 404, not a 500 Meta would retry.
    throw new NotFoundError(`no webhook at ${event.rawPath}`);
  }
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return (
    event.headers?.[name] ??
    Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1]
  );
}

async function receive(
  event: APIGatewayProxyEventV2,
  app: AppConfig,
  deps: ReceiverDeps,
): Promise<Result> {
  const body = event.body ?? '';
  const raw = Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (!verifySignature(raw, header(event, 'x-hub-signature-256'), app.secrets)) {
    throw new SignatureError('missing or invalid X-Hub-Signature-256');
  }
  let textBody: string;
  let payload: unknown;
  try {
    // Meta escapes every non-ASCII character, so its bodies are ASCII: as
    // many bytes as characters means the string is already the exact text.
    textBody =
      !event.isBase64Encoded && raw.length === body.length ? body : utf8Decoder.decode(raw);
    payload = JSON.parse(textBody);
  } catch {
    throw new BadRequestError('body is not UTF-8 JSON');
  }
  if (
    typeof payload !== 'object' ||
    payload === null ||
    (payload as { object?: unknown }).object !== 'whatsapp_business_account'
  ) {
    throw new BadRequestError('body is not a whatsapp_business_account webhook');
  }
  const routing = extractRoutingAttributes(payload as Record<string, unknown>);
  let result;
  try {
    result = await enqueueWebhook(
      { raw, text: textBody, appId: app.appId, routing, receivedAt: deps.clock() },
      deps,
    );
  } catch (cause) {
    throw new EnqueueError('could not enqueue the webhook', { cause });
  }
  if (sampled(deps))
    requestLogger(deps.logger).info(
      {
        appId: app.appId,
        sha256: result.sha256,
        bytes: result.bytes,
        claimChecked: result.claimChecked,
        fields: routing.fields,
      },
      'webhook enqueued',
    );
  return text(200, 'EVENT_RECEIVED');
}

/**
 * API Gateway HTTP API (v2) event → result. GET answers Meta's verification
 * challenge; POST verifies the signature over the raw bytes, then enqueues
 * the raw body. Errors map to a status in one place: 401 bad signature, 400
 * not a webhook, 403 verify token, 404 unknown app, 5xx when the payload was
 * not enqueued, so Meta retries.
 */
export async function handleWebhookRequest(
  event: APIGatewayProxyEventV2,
  deps: ReceiverDeps,
): Promise<Result> {
  const method = event.requestContext?.http?.method ?? 'GET';
  let appId: string | undefined;
  try {
    appId = appIdOf(event);
    const app = await deps.apps.get(appId);
    if (!app) throw new UnknownAppError(`unknown app ${appId ?? '(default)'}`);
    if (method === 'GET') return answerChallenge(event, app);
    if (method === 'POST') return await receive(event, app, deps);
    return text(405, 'method not allowed');
  } catch (error) {
    const statusCode = statusCodeOf(error);
    const log = { err: error, method, appId, statusCode };
    if (statusCode >= 500) deps.logger.error(log, 'webhook not accepted');
    else
      deps.logger.warn(
        { ...log, err: undefined, reason: (error as Error).message },
        'webhook rejected',
      );
    const message =
      error instanceof ReceiverError && statusCode < 500
        ? error.message
        : 'temporarily unavailable, retry';
    return text(statusCode, message);
  }
}
