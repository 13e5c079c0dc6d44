import {
  APP_SECRET,
  drain,
  queueDepth,
  sleep,
  startFaultStack,
  startPostgres,
  stopPostgres,
} from '../fault-stack';
import { sendLikeMeta } from '../meta-sender';
import { ledgerViolations, summary, type FaultResult } from '../result';

/**
 * Postgres stopped twice in the middle of a steady load, once cleanly and
 * once by SIGQUIT (immediate shutdown, crash recovery on restart), then
 * started again. The receiver keeps answering 200 (it never touches the
 * database); the processor fails whole batches back to the queue until the
 * database is back.
 */
export async function postgresOutage(): Promise<FaultResult> {
  const started = Date.now();
  // The stack's defaults, as in production: a batch the outage fails backs off (60 s,
  // doubling up to 1 h) over maxReceiveCount 50 receives, about 44 hours before the DLQ.
  const f = await startFaultStack({ INGEST_BATCHING_WINDOW_SECONDS: '0.1' });
  try {
    await f.stack.answerWorker.stop();
    const outages: string[] = [];
    const nemesis = (async () => {
      for (const [at, mode, downMs] of [
        [4_000, 'fast', 6_000],
        [14_000, 'immediate', 6_000],
      ] as const) {
        await sleep(at - (Date.now() - started));
        const t0 = Date.now();
        await stopPostgres(f, mode);
        await sleep(downMs);
        await startPostgres(f);
        outages.push(`${mode} stop, down ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    })();
    const ledger = await sendLikeMeta(`${f.stack.url}/webhook`, APP_SECRET, {
      ratePerSecond: 80,
      seconds: 24,
      customer: (i) => `5511700${String(i).padStart(6, '0')}`,
    });
    await nemesis;
    const tally = await drain(f, ledger, 180_000);
    const stats = f.stack.processor.stats();
    const dlq = await queueDepth(f.sqs, f.stack.queues.ingest.dlqUrl);
    const violations = ledgerViolations(ledger, tally);
    if (dlq > 0) violations.push(`${dlq} message(s) in the ingest DLQ`);
    // With back-off the processor reports a failed batch instead of throwing: count records.
    if (stats.failed === 0) violations.push('the outage never reached the processor');
    return {
      scenario: 'postgres-outage',
      guarantee:
        'Every webhook acknowledged while Postgres was down is stored once it is back, none twice.',
      nemesis: outages.join('; '),
      ...summary(ledger, tally),
      extra: {
        'records failed back to the queue': stats.failed,
        'ingest DLQ': dlq,
        'visibility timeout x maxReceiveCount': `${f.config.ingest.visibilityTimeoutSeconds} s x ${f.config.ingest.maxReceiveCount}`,
      },
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await f.stop();
  }
}
