import { SQSClient } from '@aws-sdk/client-sqs';
import { createDb, findOrganizationBySlug, type Db } from '@waba/db';
import { loadConfig } from './config';
import { sqsClient } from '@waba/testing';
import { readStackState } from './stack-state';

export type QueueName = 'ingest' | 'answer' | 'campaign';

/** Where the CLI works: the running local stack, or the environment (e.g. in AWS). */
export interface Target {
  databaseUrl?: string;
  sqs?: SQSClient;
  queues: Record<QueueName, { url?: string; dlqUrl?: string }>;
}

export function target(): Target {
  const env = process.env;
  const state = readStackState(loadConfig().config.stateFile);
  if (state && !env.DATABASE_URL) {
    return {
      databaseUrl: state.databaseUrl,
      sqs: sqsClient({ endpoint: state.awsEndpoint, region: state.region }),
      queues: {
        ingest: { url: state.ingestQueueUrl, dlqUrl: state.ingestDlqUrl },
        answer: { url: state.answerQueueUrl, dlqUrl: state.answerDlqUrl },
        campaign: { url: state.campaignQueueUrl, dlqUrl: state.campaignDlqUrl },
      },
    };
  }
  return {
    databaseUrl: env.DATABASE_URL,
    sqs: new SQSClient({}),
    queues: {
      ingest: { url: env.INGEST_QUEUE_URL, dlqUrl: env.INGEST_DLQ_URL },
      answer: { url: env.ANSWER_QUEUE_URL, dlqUrl: env.ANSWER_DLQ_URL },
      campaign: { url: env.CAMPAIGN_QUEUE_URL, dlqUrl: env.CAMPAIGN_DLQ_URL },
    },
  };
}

/** A CLI mistake: printed with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function flag(args: string[], name: string, fallback?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

export function required(args: string[], name: string): string {
  const value = flag(args, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** The n-th word after the command that is neither a flag nor a flag's value. */
export function positional(args: string[], n: number, what: string): string {
  const words = args.filter(
    (a, i) => i > 1 && !a.startsWith('--') && !args[i - 1]!.startsWith('--'),
  );
  const value = words[n];
  if (value === undefined) throw new UsageError(`${what} is required`);
  return value;
}

export async function withDb<T>(t: Target, fn: (db: Db) => Promise<T>): Promise<T> {
  if (!t.databaseUrl) throw new Error('no database: start the local stack or set DATABASE_URL');
  const db = createDb({ connectionString: t.databaseUrl, max: 2 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export async function orgOf(db: Db, args: string[]) {
  const slug = required(args, 'org');
  const org = await findOrganizationBySlug(db, slug);
  if (!org) throw new Error(`no organization with slug ${slug}`);
  return org;
}
