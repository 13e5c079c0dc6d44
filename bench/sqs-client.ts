import { SQSClient } from '@aws-sdk/client-sqs';
import { awsFromEnv, sqsHttpQueue, sqsIngestQueue, type IngestQueue } from '@waba/webhook-receiver';
import { startFakeSqs } from './lib/fake-sqs';
import { webhookBody } from './lib/payloads';
import { summarize, type Summary } from './lib/stats';

export interface SqsClientResult {
  sends: number;
  concurrency: number;
  /** CPU µs per SendMessage, this process (client and the fake endpoint), per run. */
  sdkUs: Summary;
  httpUs: Summary;
}

const ATTRIBUTES = {
  app_id: 'default',
  fields: 'messages',
  waba_ids: '102290129340398',
  phone_number_ids: '106540352242922',
  has_messages: 'false',
  has_statuses: 'true',
  received_at: new Date().toISOString(),
  body_sha256: 'a'.repeat(64),
};

async function cpuPerSend(queue: IngestQueue, body: string, sends: number, concurrency: number) {
  let left = sends;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await queue.send(body, ATTRIBUTES);
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / sends;
}

/**
 * CPU per SendMessage through the AWS SDK (what the local stack's receiver
 * uses) and through the receiver's signed HTTPS call (what the Lambda uses),
 * against the same fake endpoint in this process, alternating.
 */
export async function runSqsClient(options: { quick: boolean }): Promise<SqsClientResult> {
  const sends = options.quick ? 1_500 : 5_000;
  const concurrency = 20;
  const runs = options.quick ? 3 : 7;
  const fake = await startFakeSqs();
  try {
    const queueUrl = `${fake.endpoint}/000000000000/waba-ingest`;
    const sdk = sqsIngestQueue(
      new SQSClient({
        endpoint: fake.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      }),
      queueUrl,
    );
    const http = sqsHttpQueue(
      awsFromEnv({
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL_SQS: fake.endpoint,
      }),
      queueUrl,
    );
    const body = webhookBody('status-heavy', 1);
    const samples = { sdk: [] as number[], http: [] as number[] };
    for (let r = 0; r <= runs; r++) {
      const s = await cpuPerSend(sdk, body, sends, concurrency);
      const h = await cpuPerSend(http, body, sends, concurrency);
      if (r === 0) continue;
      samples.sdk.push(s);
      samples.http.push(h);
    }
    return {
      sends,
      concurrency,
      sdkUs: summarize(samples.sdk),
      httpUs: summarize(samples.http),
    };
  } finally {
    await fake.close();
  }
}
