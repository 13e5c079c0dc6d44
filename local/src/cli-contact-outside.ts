import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { splitWebhookBody, type ErasureReport } from '@waba/db';
import { INGEST_ATTRIBUTES as A, metaEscape, type ClaimCheckPointer } from '@waba/whatsapp';
import { drainQueue } from '@waba/testing';
import type { QueueName, Target } from './cli-common';

type Outside = ErasureReport['outside'];

/** How long a message read for the erasure stays hidden from consumers at most. */
const READ_VISIBILITY_SECONDS = 60;

/** What names the person in a queued message, built once per erasure. */
interface PersonMatch {
  outside: Outside;
  marks: ReadonlySet<string>;
  /** A job's `"contactId": <id>`. */
  contactJob: RegExp;
}

const personMatch = (outside: Outside): PersonMatch => ({
  outside,
  marks: new Set(outside.marks),
  contactJob: new RegExp(`"contactId":\\s*${outside.contactId}\\b`),
});

/** Whether `text` names the person: an identifier or wamid, or (a job) their contact id. */
function names(text: string, p: PersonMatch): boolean {
  return p.outside.marks.some((m) => text.includes(m)) || p.contactJob.test(text);
}

/** `raw` without the person's items of the organization's changes; undefined when it has none. */
function redactBody(raw: string, p: PersonMatch): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const split = splitWebhookBody(body, p.marks, p.outside.scope);
  return split.removed.length > 0 ? metaEscape(JSON.stringify(split.kept)) : undefined;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body!.transformToString('utf8');
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export interface OutsideReport {
  claimChecks: number;
  /** Per dead-letter queue: messages redacted (ingest) or deleted (jobs). */
  deadLetters: Partial<Record<QueueName, number>>;
}

/**
 * The erasure outside the database, after its transaction committed
 * (docs/privacy.md): the claim-check copies of the redacted raw bodies are
 * overwritten with what stays of them; in the dead-letter queues an ingest
 * body naming the person is replaced by its redaction (other customers'
 * items stay and can still be redriven), and a job naming them (answer,
 * campaign, media) is deleted. Queued answer jobs are not touched: the
 * worker finds no message of an erased contact to answer.
 */
export async function eraseOutside(t: Target, outside: Outside): Promise<OutsideReport> {
  const report: OutsideReport = { claimChecks: 0, deadLetters: {} };
  if (t.s3 && t.payloadBucket) {
    for (const c of outside.claimChecks) {
      const exists = await t.s3
        .send(new HeadObjectCommand({ Bucket: t.payloadBucket, Key: c.key }))
        .then(
          () => true,
          (error: { name?: string }) => {
            if (error.name === 'NotFound' || error.name === 'NoSuchKey') return false;
            throw error;
          },
        );
      if (!exists) continue;
      await t.s3.send(new PutObjectCommand({ Bucket: t.payloadBucket, Key: c.key, Body: c.body }));
      report.claimChecks++;
    }
  }
  if (!t.sqs) return report;
  const person = personMatch(outside);
  for (const [name, q] of Object.entries(t.queues) as Array<[QueueName, { dlqUrl?: string }]>) {
    if (!q.dlqUrl) continue;
    const n = await eraseFromDeadLetters(t, name, q.dlqUrl, person);
    if (n > 0) report.deadLetters[name] = n;
  }
  return report;
}

async function eraseFromDeadLetters(
  t: Target,
  name: QueueName,
  dlqUrl: string,
  person: PersonMatch,
): Promise<number> {
  const sqs = t.sqs!;
  let erased = 0;
  for (const m of await drainQueue(sqs, dlqUrl, {
    visibilityTimeoutSeconds: READ_VISIBILITY_SECONDS,
  })) {
    const attrs = m.MessageAttributes ?? {};
    const attr = (k: string) => attrs[k]?.StringValue;
    let done = false;
    if (name === 'ingest' && attr(A.claimCheck) === 's3' && t.s3) {
      // The body is in S3: redact it there, the pointer stays valid.
      const { s3 } = JSON.parse(m.Body ?? '{}') as ClaimCheckPointer;
      const raw = s3 ? await readText(t.s3, s3.bucket, s3.key) : undefined;
      const kept = raw === undefined ? undefined : redactBody(raw, person);
      if (kept !== undefined) {
        await t.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: s3.key, Body: kept }));
        erased++;
      }
    } else if (name === 'ingest') {
      const raw =
        attr(A.bodyEncoding) === 'base64'
          ? Buffer.from(m.Body ?? '', 'base64').toString('utf8')
          : (m.Body ?? '');
      const kept = names(raw, person) ? redactBody(raw, person) : undefined;
      if (kept !== undefined) {
        // The redaction is ASCII JSON (Meta's escaping): no base64 any more.
        const attributes: Record<string, MessageAttributeValue> = { ...attrs };
        delete attributes[A.bodyEncoding];
        Object.assign(attributes, {
          [A.bodySha256]: {
            DataType: 'String',
            StringValue: createHash('sha256').update(kept).digest('hex'),
          },
        });
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: dlqUrl,
            MessageBody: kept,
            MessageAttributes: attributes,
          }),
        );
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }),
        );
        erased++;
        done = true;
      }
    } else if (names(m.Body ?? '', person)) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }),
      );
      erased++;
      done = true;
    }
    if (!done)
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: dlqUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
  }
  return erased;
}
