import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { APP_SECRET, drain, sleep, startFaultStack } from '../fault-stack';
import { sendLikeMeta } from '../meta-sender';
import { ledgerViolations, summary, type FaultResult } from '../result';

/**
 * The ingest queue refuses every send for a while (its maximum message size
 * lowered below every webhook's size: SQS answers InvalidParameterValue).
 * The receiver must answer 5xx, never 200, so Meta retries; once the queue
 * accepts again, every retried webhook is acknowledged and stored.
 */
export async function queueRefusal(): Promise<FaultResult> {
  const started = Date.now();
  const f = await startFaultStack();
  try {
    await f.stack.answerWorker.stop();
    const queueUrl = f.stack.queues.ingest.url;
    const { Attributes } = await f.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }),
    );
    const normal = Attributes?.MaximumMessageSize ?? '1048576';
    const setMax = (bytes: string) =>
      f.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl,
          Attributes: { MaximumMessageSize: bytes },
        }),
      );
    let refusedForMs = 0;
    const nemesis = (async () => {
      await sleep(3_000);
      const t0 = Date.now();
      await setMax('1024');
      await sleep(6_000);
      await setMax(normal);
      refusedForMs = Date.now() - t0;
    })();
    // Every webhook is larger than 1 KiB, so every send is refused during the fault.
    const padding = 'x'.repeat(1_200);
    const ledger = await sendLikeMeta(`${f.stack.url}/webhook`, APP_SECRET, {
      ratePerSecond: 80,
      seconds: 12,
      customer: (i) => `5511500${String(i).padStart(6, '0')}`,
      text: (i) => `webhook ${i} ${padding}`,
      retryForMs: 30_000,
    });
    await nemesis;
    const tally = await drain(f, ledger);
    const result = summary(ledger, tally);
    const violations = ledgerViolations(ledger, tally);
    const not503 = Object.entries(ledger.statuses).filter(([s]) => Number(s) >= 500 && s !== '503');
    if (not503.length)
      violations.push(`answers other than 503 while refusing: ${JSON.stringify(not503)}`);
    if (result.refused === 0) violations.push('the queue never refused a send');
    return {
      scenario: 'queue-refusal',
      guarantee:
        'While the queue refuses sends the receiver answers 5xx (Meta retries), and nothing it acknowledged is lost.',
      nemesis: `ingest queue refusing every send for ${(refusedForMs / 1000).toFixed(1)} s`,
      ...result,
      extra: { 'POSTs (retries included)': ledger.attempts },
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await f.stop();
  }
}
