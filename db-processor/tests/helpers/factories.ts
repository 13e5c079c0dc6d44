import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { sql } from 'kysely';
import pino from 'pino';
import { upsertOrganization, type Db } from '@waba/db';
import { INGEST_ATTRIBUTES as A, metaEscape } from '@waba/whatsapp';
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID } from '@waba/whatsapp/testing';
import type { AnswerQueue, ScheduledAnswerJob, SqsProcessorDeps } from '@waba/db-processor';

/** An ingest-queue record as Lambda delivers it, carrying `payload` in Meta's wire form. */
export function sqsRecord(
  payload: object | string,
  attributes: Record<string, string> = {},
): SQSRecord {
  const body = typeof payload === 'string' ? payload : metaEscape(JSON.stringify(payload));
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [k, v] of Object.entries({
    [A.receivedAt]: '2026-11-22T10:00:00.000Z',
    [A.appId]: 'default',
    ...attributes,
  })) {
    messageAttributes[k] = {
      stringValue: v,
      dataType: 'String',
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: randomUUID(),
    receiptHandle: 'rh',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
    awsRegion: 'us-east-1',
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** Registers the organization that owns the builders' default phone number and WABA. */
export async function registerDefaultOrganization(db: Db, slug = 'acme'): Promise<string> {
  const org = await upsertOrganization(db, {
    name: 'Acme',
    slug,
    phoneNumbers: [{ phoneNumberId: DEFAULT_PHONE_NUMBER_ID, wabaId: DEFAULT_WABA_ID }],
  });
  return org.id;
}

/** Answer jobs kept in memory, for tests that are about the database, not the queue. */
export function recordingAnswerQueue(): AnswerQueue & { jobs: ScheduledAnswerJob[] } {
  const jobs: ScheduledAnswerJob[] = [];
  return { jobs, enqueue: async (j) => void jobs.push(...j) };
}

export function processorDeps(db: Db, overrides: Partial<SqsProcessorDeps> = {}): SqsProcessorDeps {
  return {
    db,
    answers: recordingAnswerQueue(),
    payloads: { get: async () => Promise.reject(new Error('no S3 in this test')) },
    logger: pino({ level: 'silent' }),
    answerDelaySeconds: 2,
    ...overrides,
  };
}

/**
 * Runs `act` while a faulty trigger refuses every message whose body is `body`:
 * a failure outside the data (a bad deploy), which a retry may pass.
 */
export async function whileRefusingBody<T>(
  db: Db,
  body: string,
  act: () => Promise<T>,
): Promise<T> {
  await sql`
    create function refuse_body() returns trigger language plpgsql as $$
      begin if new.body = ${sql.lit(body)} then raise exception 'refused'; end if; return new; end $$;
    create trigger refuse_body before insert on messages for each row execute function refuse_body();
  `.execute(db);
  try {
    return await act();
  } finally {
    await sql`drop trigger refuse_body on messages; drop function refuse_body();`.execute(db);
  }
}
