import { KeywordError } from '@waba/answer-worker';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
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

/** Every option of every command: values are strings, except the switches below. */
const STRING_OPTIONS = [
  'action',
  'allowed',
  'app-id',
  'by',
  'category',
  'components',
  'contact',
  'csv',
  'debounce',
  'default-reply',
  'display-phone',
  'fallback',
  'handoff-keywords',
  'history',
  'instructions',
  'keywords',
  'kind',
  'language',
  'limit',
  'max',
  'messages-days',
  'model',
  'months-ahead',
  'name',
  'org',
  'out',
  'outcome',
  'phone-number-id',
  'pii',
  'queue',
  'rate',
  'raw-bodies-days',
  'rate-limit',
  'reason',
  'reply',
  'role',
  'rules',
  'since',
  'slug',
  'status',
  'status-events-days',
  'status-events-months',
  'temperature',
  'template',
  'unsupported-notice',
  'user-id',
  'wa-id',
  'waba-id',
  'webhook-events-months',
] as const;
const SWITCHES = ['misrouted'] as const;

const CLI_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries([
  ...STRING_OPTIONS.map((name) => [name, { type: 'string' as const }]),
  ...SWITCHES.map((name) => [name, { type: 'boolean' as const }]),
]);

type ParsedCli = { values: Record<string, string | boolean | undefined>; positionals: string[] };
const parsedArgs = new WeakMap<string[], ParsedCli>();

/**
 * The command line read by `node:util` parseArgs (`--name value` or
 * `--name=value`); an unknown option or one without its value is a UsageError.
 */
export function parseCliArgs(args: string[]): ParsedCli {
  let parsed = parsedArgs.get(args);
  if (parsed) return parsed;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: CLI_OPTIONS,
      strict: true,
      allowPositionals: true,
    });
    parsed = { values, positionals };
  } catch (error) {
    // parseArgs names the option in its message (ERR_PARSE_ARGS_UNKNOWN_OPTION, …).
    throw new UsageError((error as Error).message);
  }
  parsedArgs.set(args, parsed);
  return parsed;
}

/** An option the CLI knows: naming one it does not is a type error, not a usage error at run time. */
export type CliOption = (typeof STRING_OPTIONS)[number];

export function flag(args: string[], name: CliOption, fallback?: string): string | undefined {
  const value = parseCliArgs(args).values[name];
  return typeof value === 'string' ? value : fallback;
}

export function switchOn(args: string[], name: (typeof SWITCHES)[number]): boolean {
  return parseCliArgs(args).values[name] === true;
}

export function required(args: string[], name: CliOption): string {
  const value = flag(args, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** The n-th word after the command that is neither an option nor an option's value. */
export function positional(args: string[], n: number, what: string): string {
  const value = parseCliArgs(args).positionals[n + 2];
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

/** Operator keywords are checked before they are stored: a bad one is a usage error. */
export function checked<T>(option: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof KeywordError) throw new UsageError(`${option}: ${error.message}`);
    throw error;
  }
}
