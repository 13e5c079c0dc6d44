import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from 'kysely';
import { runCli } from '../../../local/src/cli';
import { APP_SECRET, drain, queueDepth, sleep, startFaultStack, tally } from '../fault-stack';
import { customerWebhook, postWebhook, sendLikeMeta } from '../meta-sender';
import { ledgerViolations, summary, type FaultResult } from '../result';

const MAX_RECEIVE_COUNT = 3;

/**
 * One webhook fails on every attempt for a cause outside its data (a faulty
 * trigger stands in for a bad deploy) among normal traffic. It reaches the
 * ingest DLQ after maxReceiveCount receives, the processor's log names its
 * reason (by the body's SHA-256, which the DLQ message carries too), its
 * neighbours are stored, and `npm run cli -- dlq redrive` stores it once the
 * cause is fixed.
 */
export async function poisonDlq(): Promise<FaultResult> {
  const started = Date.now();
  const f = await startFaultStack({
    INGEST_VISIBILITY_TIMEOUT_SECONDS: '2',
    INGEST_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    INGEST_BATCHING_WINDOW_SECONDS: '0',
  });
  const violations: string[] = [];
  try {
    await f.stack.answerWorker.stop();
    await sql`
      create function refuse_poison() returns trigger language plpgsql as $$
        begin if new.body = 'POISON' then raise exception 'poison refused by a faulty trigger'; end if;
        return new; end $$;
      create trigger refuse_poison before insert on messages for each row execute function refuse_poison();
    `.execute(f.stack.db);
    const poison = customerWebhook('5511300000000', 'POISON', APP_SECRET);
    const neighbours = sendLikeMeta(`${f.stack.url}/webhook`, APP_SECRET, {
      ratePerSecond: 20,
      seconds: 3,
      customer: (i) => `5511300${String(i + 1).padStart(6, '0')}`,
    });
    const status = await postWebhook(`${f.stack.url}/webhook`, poison);
    if (status !== 200) violations.push(`the poison webhook was answered ${status}`);
    const ledger = await neighbours;

    const dlqUrl = f.stack.queues.ingest.dlqUrl;
    const deadline = Date.now() + 60_000;
    while ((await queueDepth(f.sqs, dlqUrl)) === 0 && Date.now() < deadline) await sleep(250);
    const { Messages: [dead] = [] } = await f.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const receives = Number(dead?.Attributes?.ApproximateReceiveCount ?? 0);
    const sha = dead?.MessageAttributes?.body_sha256?.StringValue;
    const reasonLine = f.logs.find((l) => l.msg === 'record failed on its own' && l.sha256 === sha);
    const reason = (reasonLine?.err as { message?: string } | undefined)?.message ?? '(none found)';
    if (sha !== poison.sha256) violations.push('the DLQ does not hold the poison webhook');
    if (receives < MAX_RECEIVE_COUNT)
      violations.push(`dead-lettered after ${receives} receive(s), before maxReceiveCount`);
    if (!reasonLine) violations.push('no log line gives the reason of the dead-lettered record');
    const before = await tally(f.stack.db, {
      ...ledger,
      acknowledged: [{ ...poison, customer: '' }],
    });
    if (before.stored !== 0)
      violations.push('the poison webhook was stored while the cause was there');
    const neighboursTally = await drain(f, ledger);

    // The cause is fixed; the operator redrives the DLQ.
    await sql`drop trigger refuse_poison on messages; drop function refuse_poison();`.execute(
      f.stack.db,
    );
    process.env.STACK_STATE_FILE = f.config.stateFile;
    const cli: string[] = [];
    await runCli(['dlq', 'redrive'], (line) => cli.push(line));
    const poisonLedger = { ...ledger, acknowledged: [{ ...poison, customer: '' }] };
    const after = await drain(f, poisonLedger, 30_000);
    const dlqAfter = await queueDepth(f.sqs, dlqUrl);
    if (after.stored !== 1) violations.push('the redriven webhook was not stored');
    if (after.duplicated !== 0) violations.push('the redriven webhook was stored twice');
    if (dlqAfter !== 0) violations.push(`${dlqAfter} message(s) left in the DLQ after the redrive`);
    violations.push(...ledgerViolations(ledger, neighboursTally));
    return {
      scenario: 'poison-dlq',
      guarantee:
        'A webhook that keeps failing reaches the DLQ with its reason after maxReceiveCount, its neighbours are stored, and the CLI redrives it once the cause is fixed.',
      nemesis: `a trigger refusing one webhook's message on every attempt (maxReceiveCount ${MAX_RECEIVE_COUNT})`,
      ...summary(ledger, neighboursTally),
      extra: {
        'receive count the DLQ reports (our peek included)': receives,
        'reason in the processor log': reason,
        cli: cli.join(' | '),
        'stored after redrive': after.stored,
        'DLQ after redrive': dlqAfter,
      },
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await f.stop();
  }
}
