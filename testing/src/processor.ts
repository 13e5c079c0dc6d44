import { sql } from 'kysely';
import pino from 'pino';
import type { Db } from '@waba/db';
import type { SQSBatchItemFailure } from 'aws-lambda';
import {
  processSqsEvent,
  type AnswerQueue,
  type ScheduledAnswerJob,
  type SqsProcessorDeps,
} from '@waba/db-processor';
import { webhookPayload, type RawWebhookEntry } from '@waba/whatsapp/testing';
import { sqsEvent, sqsRecord } from './sqs-record';

/** Answer jobs kept in memory, for tests that are about the database, not the queue. */
export function recordingAnswerQueue(): AnswerQueue & { jobs: ScheduledAnswerJob[] } {
  const jobs: ScheduledAnswerJob[] = [];
  return { jobs, enqueue: async (j) => void jobs.push(...j) };
}

/** The db-processor's dependencies on a real database, with answers kept in memory and no S3. */
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
 * Runs the processor on one batch made of `bodies` as ingest records (with
 * `attributes` on each), on a real database; returns the batch item failures.
 */
export async function processBodies(
  db: Db,
  bodies: string[],
  options: { answers?: AnswerQueue; attributes?: Record<string, string> } = {},
): Promise<SQSBatchItemFailure[]> {
  const result = await processSqsEvent(
    sqsEvent(bodies.map((b) => sqsRecord(b, options.attributes))),
    processorDeps(db, options.answers ? { answers: options.answers } : {}),
  );
  return result.batchItemFailures;
}

/**
 * Runs the processor on one webhook made of `entries` (its `entry` array, as
 * the builders make them), on a real database; returns the batch item failures.
 */
export async function processEntries(
  db: Db,
  entries: RawWebhookEntry[],
  overrides: Partial<SqsProcessorDeps> = {},
): Promise<SQSBatchItemFailure[]> {
  const payload = webhookPayload({ entries });
  const result = await processSqsEvent(
    sqsEvent([sqsRecord(payload)]),
    processorDeps(db, overrides),
  );
  return result.batchItemFailures;
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
