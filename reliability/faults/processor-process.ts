// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import pino from 'pino';
import { processSqsEvent, processorDepsFromEnv } from '@waba/db-processor';
import { startEventSourceMapping } from '@waba/consumer-service';
import { s3Client, sqsClient } from '@waba/testing';

/**
 * The processor as a process of its own, for the kill scenario: the real
 * processor behind the real event source mapping. With KILL_AFTER_COMMIT_EVERY=n
 * it SIGKILLs itself after every n-th batch it committed, before the batch's
 * messages are deleted: the crash window where a redelivery is certain.
 * Prints one JSON line per event on stdout.
 */
async function main(): Promise<void> {
  const env = process.env;
  const aws = { endpoint: env.AWS_ENDPOINT!, region: env.AWS_REGION ?? 'us-east-1' };
  const sqs = sqsClient(aws);
  const killEvery = Number(env.KILL_AFTER_COMMIT_EVERY ?? 0);
  const logger = pino({ level: 'silent' });
  const deps = await processorDepsFromEnv(
    { ...env, DB_POOL_MAX: '4' },
    { sqs, s3: s3Client(aws), logger },
  );
  let committed = 0;
  startEventSourceMapping({
    sqs,
    queueUrl: env.INGEST_QUEUE_URL!,
    batchSize: 20,
    concurrency: 2,
    logger,
    handler: async (event) => {
      const result = await processSqsEvent(event, deps);
      committed += 1;
      if (killEvery > 0 && committed % killEvery === 0) {
        process.stdout.write(JSON.stringify({ killed: event.Records.length }) + '\n');
        process.kill(process.pid, 'SIGKILL');
      }
      return result;
    },
  });
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
