import { backoffSeconds } from '@waba/db-processor';
import {
  APP_SECRET,
  queueDepth,
  sleep,
  startFaultStack,
  startPostgres,
  stopPostgres,
  tally,
} from '../fault-stack';
import { sendLikeMeta } from '../meta-sender';
import { ledgerViolations, summary, type FaultResult } from '../result';

/**
 * Time scaled down to seconds: a visibility timeout of 2 s and maxReceiveCount
 * 6, so a message failing on every receive is handed out at 0, 2, 4, 6, 8 and
 * 10 s and dead-lettered at about 12 s. The outage lasts 30 s, longer than
 * that old window, as a multi-hour outage is longer than production's
 * 181 s × 5. With back-off (2 s doubling, up to 60 s) the same 6 receives come
 * at 0, 2, 6, 14, 30 and 62 s: the last one after the database is back.
 */
const VISIBILITY_TIMEOUT_SECONDS = 2;
const MAX_RECEIVE_COUNT = 6;
const BACKOFF = { baseSeconds: 2, maxSeconds: 60 };
const OUTAGE = { startsAtMs: 5_000, lastsMs: 30_000 };
const SEND = { ratePerSecond: 20, seconds: 40 };

/** Seconds from a message's first receive to its last, failing every time. */
function receiveWindow(delay: (receive: number) => number): number {
  let total = 0;
  for (let n = 1; n < MAX_RECEIVE_COUNT; n++) total += delay(n);
  return total;
}

/**
 * Postgres down for longer than maxReceiveCount × the visibility timeout,
 * under a steady load. `backoff: false` is the control, the configuration
 * before back-off: it must dead-letter webhooks (else the outage proved
 * nothing), and everything not stored must be in the DLQ. `backoff: true`
 * must store every acknowledged webhook with the DLQ empty.
 */
export function longOutage(backoff: boolean): () => Promise<FaultResult> {
  return async () => {
    const started = Date.now();
    const f = await startFaultStack({
      INGEST_VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY_TIMEOUT_SECONDS),
      INGEST_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      INGEST_BATCHING_WINDOW_SECONDS: '0.1',
      INGEST_BACKOFF_BASE_SECONDS: backoff ? String(BACKOFF.baseSeconds) : '0',
      INGEST_BACKOFF_MAX_SECONDS: String(BACKOFF.maxSeconds),
    });
    try {
      await f.stack.answerWorker.stop();
      let outage = '';
      const nemesis = (async () => {
        await sleep(OUTAGE.startsAtMs - (Date.now() - started));
        const t0 = Date.now();
        await stopPostgres(f, 'fast');
        await sleep(OUTAGE.lastsMs);
        await startPostgres(f);
        outage = `Postgres stopped (fast shutdown), down ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      })();
      const ledger = await sendLikeMeta(`${f.stack.url}/webhook`, APP_SECRET, {
        ...SEND,
        customer: (i) => `5511600${String(i).padStart(6, '0')}`,
      });
      await nemesis;
      // Until every message is stored or dead-lettered.
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline && (await queueDepth(f.sqs, f.stack.queues.ingest.url)) > 0) {
        await sleep(500);
      }
      const t = await tally(f.stack.db, ledger);
      const dlq = await queueDepth(f.sqs, f.stack.queues.ingest.dlqUrl);
      const stats = f.stack.processor.stats();
      const backedOff = f.logs.filter((l) => l.msg === 'database unavailable: the batch backs off');
      const highestReceive = Math.max(
        0,
        ...backedOff.map((l) => Number(String(l.receiveCount).split('..').pop())),
      );

      const violations: string[] = [];
      if (stats.failed === 0) violations.push('the outage never reached the processor');
      if (backoff) {
        violations.push(...ledgerViolations(ledger, t));
        if (dlq > 0) violations.push(`${dlq} message(s) in the ingest DLQ`);
      } else {
        if (dlq === 0)
          violations.push('control: nothing dead-lettered, the outage was not long enough');
        if (t.lost !== dlq)
          violations.push(`control: ${t.lost} not stored but ${dlq} in the DLQ: some vanished`);
        if (t.duplicated > 0) violations.push(`${t.duplicated} duplicate row(s)`);
      }
      const old = receiveWindow(() => VISIBILITY_TIMEOUT_SECONDS);
      return {
        scenario: backoff ? 'long-outage' : 'long-outage-no-backoff',
        guarantee: backoff
          ? 'A database outage longer than maxReceiveCount × the visibility timeout: every acknowledged webhook is stored once it is back, none dead-lettered.'
          : 'Control (back-off off, the old configuration): the same outage dead-letters webhooks, and every one not stored is in the DLQ.',
        nemesis: `${outage}, under ${SEND.ratePerSecond} webhooks/s for ${SEND.seconds} s`,
        ...summary(ledger, t),
        extra: {
          'ingest DLQ': dlq,
          'visibility timeout x maxReceiveCount': `${VISIBILITY_TIMEOUT_SECONDS} s x ${MAX_RECEIVE_COUNT}`,
          'first to last receive, failing': backoff
            ? `${receiveWindow((n) => backoffSeconds(n, BACKOFF))} s (back-off ${BACKOFF.baseSeconds} s doubling up to ${BACKOFF.maxSeconds} s; ${old} s without)`
            : `${old} s (no back-off)`,
          'records failed back to the queue': stats.failed,
          ...(backoff && { 'batches backed off': backedOff.length }),
          ...(backoff && { 'highest receive count seen': highestReceive }),
        },
        seconds: (Date.now() - started) / 1000,
        violations,
      };
    } finally {
      await f.stop();
    }
  };
}
