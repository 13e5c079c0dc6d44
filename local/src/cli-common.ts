import { KeywordError } from '@waba/answer-worker';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDb, findOrganizationBySlug, type Db } from '@waba/db';
import {
  createGraphClient,
  DEFAULT_GRAPH_VERSION,
  GRAPH_VERSION_PATTERN,
  type GraphClient,
} from '@waba/whatsapp';
import { graphClientFromEnv } from '@waba/whatsapp/secrets';
import { loadConfig } from './config';
import { s3Client, sqsClient } from '@waba/testing';
import { readStackState } from './stack-state';

export type QueueName = 'ingest' | 'answer' | 'campaign' | 'media';

/** Where the CLI works: the running local stack, or the environment (e.g. in AWS). */
export interface Target {
  databaseUrl?: string;
  sqs?: SQSClient;
  queues: Record<QueueName, { url?: string; dlqUrl?: string }>;
  /** The Graph API (`template sync`): the local stack's Meta sandbox, or WHATSAPP_GRAPH_URL / graph.facebook.com. */
  graph: () => GraphClient;
  /** The bucket archived media is in (MEDIA_BUCKET), and a client for it. */
  s3?: S3Client;
  mediaBucket?: string;
  /** The claim-check bucket (PAYLOAD_BUCKET): large webhook bodies. */
  payloadBucket?: string;
}

/** The Graph client of the environment: WHATSAPP_ACCESS_TOKEN (or its secret), WHATSAPP_GRAPH_URL, WHATSAPP_GRAPH_VERSION. */
function graphFromEnv(env: NodeJS.ProcessEnv): GraphClient {
  const version = env.WHATSAPP_GRAPH_VERSION || DEFAULT_GRAPH_VERSION;
  if (!GRAPH_VERSION_PATTERN.test(version))
    throw new UsageError(`WHATSAPP_GRAPH_VERSION ${version}: a Graph API version such as v25.0`);
  return graphClientFromEnv(env, version);
}

export function target(): Target {
  const env = process.env;
  const { config } = loadConfig();
  const state = readStackState(config.stateFile);
  if (state && !env.DATABASE_URL) {
    const sandboxUrl = state.sandboxUrl;
    const aws = { endpoint: state.awsEndpoint, region: state.region };
    return {
      // The stack's sandbox checks the token the stack was given (the environment's, or the dev default).
      graph: () =>
        sandboxUrl
          ? createGraphClient({ accessToken: config.accessToken, baseUrl: sandboxUrl })
          : graphFromEnv(env),
      databaseUrl: state.databaseUrl,
      sqs: sqsClient(aws),
      queues: {
        ingest: { url: state.ingestQueueUrl, dlqUrl: state.ingestDlqUrl },
        answer: { url: state.answerQueueUrl, dlqUrl: state.answerDlqUrl },
        campaign: { url: state.campaignQueueUrl, dlqUrl: state.campaignDlqUrl },
        media: { url: state.mediaQueueUrl, dlqUrl: state.mediaDlqUrl },
      },
      s3: s3Client(aws),
      ...(state.mediaBucket === undefined ? {} : { mediaBucket: state.mediaBucket }),
      payloadBucket: state.bucket,
    };
  }
  return {
    graph: () => graphFromEnv(env),
    databaseUrl: env.DATABASE_URL,
    sqs: new SQSClient({}),
    queues: {
      ingest: { url: env.INGEST_QUEUE_URL, dlqUrl: env.INGEST_DLQ_URL },
      answer: { url: env.ANSWER_QUEUE_URL, dlqUrl: env.ANSWER_DLQ_URL },
      campaign: { url: env.CAMPAIGN_QUEUE_URL, dlqUrl: env.CAMPAIGN_DLQ_URL },
      media: { url: env.MEDIA_QUEUE_URL, dlqUrl: env.MEDIA_DLQ_URL },
    },
    s3: new S3Client({}),
    ...(env.MEDIA_BUCKET === undefined ? {} : { mediaBucket: env.MEDIA_BUCKET }),
    ...(env.PAYLOAD_BUCKET === undefined ? {} : { payloadBucket: env.PAYLOAD_BUCKET }),
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
  'codes',
  'components',
  'contact',
  'csv',
  'debounce',
  'default-reply',
  'display-phone',
  'fallback',
  'handoff-keywords',
  'history',
  'images',
  'instructions',
  'keywords',
  'kind',
  'language',
  'limit',
  'max',
  'media-retention-days',
  'messages-days',
  'model',
  'months-ahead',
  'name',
  'org',
  'out',
  'outcome',
  'page-size',
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
  'scope',
  'since',
  'slug',
  'status',
  'status-events-days',
  'status-events-months',
  'temperature',
  'template',
  'unique-per-day',
  'unsupported-notice',
  'user-id',
  'wa-id',
  'waba-id',
  'webhook-events-months',
] as const;
const SWITCHES = ['misrouted', 'platform', 'retry-marketing-limit'] as const;

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
