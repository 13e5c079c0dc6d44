import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pino from 'pino';
import type { Db } from '@waba/db';
import { processSqsEvent, type PayloadReader, type SqsProcessorDeps } from '@waba/db-processor';
import { appsFromEnv, handleWebhookRequest, type ReceiverDeps } from '@waba/webhook-receiver';
import { processorDeps, sqsEvent, sqsRecord, signedRequest } from '@waba/testing';

export const APP_SECRET = 'reliability-app-secret';
export const VERIFY_TOKEN = 'reliability-verify-token';
/** A second Meta app, served on /webhook/{appId}. */
export const OTHER_APP = {
  id: '424242',
  secret: 'reliability-other-app-secret',
  verifyToken: 'reliability-other-token',
};

export interface SentMessage {
  body: string;
  attributes: Record<string, string>;
}

/**
 * The real receiver with an in-memory ingest queue and S3 bucket: what it
 * enqueues can be handed to the real processor as the SQS records Lambda
 * would deliver, without the emulator's per-message cost.
 */
export interface InMemoryIngest {
  deps: ReceiverDeps;
  /** Every message the receiver enqueued, in order. */
  sent: SentMessage[];
  /** The claim-check bucket, by key. */
  objects: Map<string, Buffer>;
  /** Reads claim-checked payloads back, as the processor's S3 reader does. */
  reader: PayloadReader;
  /** The enqueued messages not yet taken, as Lambda SQS records. */
  take(): SQSRecord[];
}

export function inMemoryIngest(options: { maxMessageBytes?: number } = {}): InMemoryIngest {
  const sent: SentMessage[] = [];
  const objects = new Map<string, Buffer>();
  let taken = 0;
  const deps: ReceiverDeps = {
    apps: appsFromEnv({
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_APPS: JSON.stringify({
        [OTHER_APP.id]: { secrets: [OTHER_APP.secret], verifyToken: OTHER_APP.verifyToken },
      }),
    }),
    queue: { send: async (body, attributes) => void sent.push({ body, attributes }) },
    payloads: {
      put: async (key, body) => {
        objects.set(key, Buffer.from(body));
        return { bucket: 'in-memory', key };
      },
    },
    maxMessageBytes: options.maxMessageBytes ?? 262_144,
    logger: pino({ level: 'silent' }),
    clock: () => new Date(),
  };
  return {
    deps,
    sent,
    objects,
    reader: {
      get: async ({ key }) => {
        const object = objects.get(key);
        if (!object) throw new Error(`no object ${key}`);
        return object.toString('utf8');
      },
    },
    take: () => {
      const fresh = sent.slice(taken);
      taken = sent.length;
      return fresh.map((m) => sqsRecord(m.body, m.attributes));
    },
  };
}

/** POSTs `raw` signed as Meta would: with the default app's secret to /webhook, or another app's to /webhook/{appId}. */
export async function postSigned(
  ingest: InMemoryIngest,
  raw: string,
  app?: { id: string; secret: string },
): Promise<number> {
  const request = app
    ? signedRequest(raw, app.secret, { appId: app.id })
    : signedRequest(raw, APP_SECRET);
  const result = await handleWebhookRequest(request, ingest.deps);
  return result.statusCode ?? 0;
}

/** The real processor over a database, reading claim checks from the in-memory bucket. */
export function processorFor(
  db: Db,
  ingest?: InMemoryIngest,
  overrides: Partial<SqsProcessorDeps> = {},
): SqsProcessorDeps {
  return processorDeps(db, { ...(ingest ? { payloads: ingest.reader } : {}), ...overrides });
}

/** Runs the records through the processor as one Lambda invocation. */
export function processBatch(
  records: SQSRecord[],
  deps: SqsProcessorDeps,
): Promise<SQSBatchResponse> {
  return processSqsEvent(sqsEvent(records), deps);
}
