import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import {
  answerAtOnce,
  APP_SECRET,
  awaitReplies,
  drain,
  replyViolations,
  sleep,
  startFaultStack,
  type FaultStack,
} from '../fault-stack';
import { sendLikeMeta } from '../meta-sender';
import { ledgerViolations, summary, type FaultResult } from '../result';

interface Nemesis {
  /** Processes that killed themselves between commit and delete. */
  afterCommit: number;
  /** Records whose batch was committed and not deleted at those kills. */
  recordsInWindow: number;
  /** SIGKILLs from outside, at random moments. */
  random: number;
  stop(): Promise<void>;
}

/**
 * Runs the processor in child processes and keeps one alive: each kills
 * itself after every `killEvery`-th committed batch (0: never) and the
 * nemesis adds SIGKILLs at random moments while `randomKills` is on.
 */
function processorProcesses(
  f: FaultStack,
  control: { killEvery: number; randomKills: boolean },
): Nemesis {
  let child: ChildProcess | undefined;
  let stopping = false;
  const nemesis: Nemesis = {
    afterCommit: 0,
    recordsInWindow: 0,
    random: 0,
    stop: async () => undefined,
  };
  const spawnOne = () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'processor-process.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: f.stack.databaseUrl,
          AWS_ENDPOINT: f.stack.state.awsEndpoint,
          AWS_REGION: f.stack.state.region,
          INGEST_QUEUE_URL: f.stack.queues.ingest.url,
          ANSWER_QUEUE_URL: f.stack.queues.answer.url,
          ANSWER_DELAY_SECONDS: '0',
          KILL_AFTER_COMMIT_EVERY: String(control.killEvery),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { killed?: number };
      if (event.killed !== undefined) {
        nemesis.afterCommit += 1;
        nemesis.recordsInWindow += event.killed;
      }
    });
    child.once('exit', () => {
      if (!stopping) spawnOne();
    });
  };
  spawnOne();
  const randomKiller = (async () => {
    while (!stopping) {
      await sleep(2_000 + Math.random() * 3_000);
      if (control.randomKills && !stopping && child?.exitCode === null) {
        nemesis.random += 1;
        child.kill('SIGKILL');
      }
    }
  })();
  nemesis.stop = async () => {
    stopping = true;
    await randomKiller;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  return nemesis;
}

/**
 * The processor process is SIGKILLed between its commit and the delete of
 * the batch (and at random moments): every message of such a batch comes
 * back after the visibility timeout and is processed again. The unique keys
 * absorb the rows, the answer worker's claim absorbs the duplicate answer jobs:
 * every customer is answered exactly once.
 */
export async function processorKill(): Promise<FaultResult> {
  const started = Date.now();
  const f = await startFaultStack({ INGEST_VISIBILITY_TIMEOUT_SECONDS: '3' });
  const control = { killEvery: 2, randomKills: true };
  let nemesis: Nemesis | undefined;
  try {
    await f.stack.processor.stop();
    await answerAtOnce(f.stack.db);
    nemesis = processorProcesses(f, control);
    const ledger = await sendLikeMeta(`${f.stack.url}/webhook`, APP_SECRET, {
      ratePerSecond: 40,
      seconds: 15,
      customer: (i) => `5511600${String(i).padStart(6, '0')}`,
    });
    // The nemesis rests: what is left in the queue drains.
    control.killEvery = 0;
    control.randomKills = false;
    const tally = await drain(f, ledger);
    const customers = ledger.acknowledged.map((a) => a.customer);
    const replies = await awaitReplies(f, customers);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from answer_attempts`.execute(
      f.stack.db,
    );
    const violations = ledgerViolations(ledger, tally);
    violations.push(...replyViolations(replies));
    if (nemesis.afterCommit === 0) violations.push('no kill landed between commit and delete');
    return {
      scenario: 'processor-kill',
      guarantee:
        'A processor killed between commit and delete loses nothing and duplicates nothing: rows and answers happen once.',
      nemesis: `SIGKILL after commit, before delete: ${nemesis.afterCommit} (${nemesis.recordsInWindow} records in the window); SIGKILL at random: ${nemesis.random}`,
      ...summary(ledger, tally),
      extra: {
        'customers answered exactly once':
          customers.length - replies.missing.length - replies.twice.length,
        'customers answered twice': replies.twice.length,
        'answer attempts recorded': jobs.rows[0]!.n,
      },
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await nemesis?.stop();
    await f.stop();
  }
}
