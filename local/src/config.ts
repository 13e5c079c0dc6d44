import * as z from 'zod/mini';
import { campaignEnvSchema } from '@waba/campaign-sender';
import { ingestBackoffFromEnv, processorEnvSchema, type BackoffPolicy } from '@waba/db-processor';
import { receiverEnvSchema } from '@waba/webhook-receiver';
import { EnvError, envInt, envNumber, envOptional, parseEnv } from '@waba/whatsapp';

/** Configuration of the local stack: the environment, with dev defaults for everything. */
export interface StackConfig {
  port: number;
  /** Bind address of the HTTP gateway. */
  host: string;
  /** Set: use that Postgres. Unset: start an embedded one. */
  databaseUrl: string | undefined;
  embeddedPg: { dataDir: string; port: number };
  /** Port of the SQS/S3 emulator (0: any free port). */
  sqsPort: number;
  appSecret: string;
  previousAppSecret: string | undefined;
  verifyToken: string;
  accessToken: string;
  phoneNumberId: string;
  businessAccountId: string;
  displayPhoneNumber: string;
  extraApps: string | undefined;
  answerDelaySeconds: number;
  sqsMaxMessageBytes: number;
  /** Where replies go; unset: the Meta sandbox started by the stack. */
  graphUrl: string | undefined;
  sandboxPort: number;
  openai: { apiKey?: string; baseURL?: string; model?: string; visionModels?: string };
  /**
   * Set (LOCAL_HANDLERS=bundle): the receiver, processor and answer worker run from the bundles
   * in this directory (LOCAL_BUNDLE_DIR, default dist/lambda; `npm run bundle` builds them).
   */
  bundleDir: string | undefined;
  /** Where the stack writes its endpoints for `npm run cli` and `npm run send`. */
  stateFile: string;
  logLevel: string;
  /** Messages per second per business number for campaigns (Meta's default throughput: 80). */
  campaignRatePerSecond: number;
  /** Event source mapping and queue settings of the ingest queue (Lambda's, mirrored). */
  ingest: {
    batchSize: number;
    windowSeconds: number;
    visibilityTimeoutSeconds: number;
    maxReceiveCount: number;
    concurrency: number;
    /** Back-off of batches failing while the database is down; undefined: off. */
    backoff: BackoffPolicy | undefined;
  };
}

/** Where `npm run bundle` writes the Lambda bundles by default. */
export const DEFAULT_BUNDLE_DIR = 'dist/lambda';

export const DEV_DEFAULTS = {
  WHATSAPP_APP_SECRET: 'dev-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'dev-verify-token',
  WHATSAPP_ACCESS_TOKEN: 'dev-access-token',
  WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
  WHATSAPP_BUSINESS_ACCOUNT_ID: '102290129340398',
} as const;

/** The dev defaults that are secrets: published here and printed at start. */
const DEV_SECRETS = [
  'WHATSAPP_APP_SECRET',
  'WHATSAPP_VERIFY_TOKEN',
  'WHATSAPP_ACCESS_TOKEN',
] as const satisfies ReadonlyArray<keyof typeof DEV_DEFAULTS>;

const port = (fallback: number) => envInt(fallback, { max: 65_535 });

/**
 * The local stack's environment; every variable is optional. Settings the
 * Lambdas share take their definition (default and range) from the Lambda's
 * own schema.
 */
export const stackEnvSchema = z.object({
  PORT: port(3000),
  HOST: envOptional(),
  DATABASE_URL: envOptional(),
  EMBEDDED_PG_DATA_DIR: envOptional(),
  EMBEDDED_PG_PORT: port(54329),
  SQS_EMULATOR_PORT: port(0),
  WHATSAPP_APP_SECRET: envOptional(),
  WHATSAPP_APP_SECRET_PREVIOUS: envOptional(),
  WHATSAPP_VERIFY_TOKEN: envOptional(),
  WHATSAPP_ACCESS_TOKEN: envOptional(),
  WHATSAPP_PHONE_NUMBER_ID: envOptional(),
  WHATSAPP_BUSINESS_ACCOUNT_ID: envOptional(),
  WHATSAPP_DISPLAY_PHONE_NUMBER: envOptional(),
  WHATSAPP_APPS: envOptional(),
  ANSWER_DELAY_SECONDS: processorEnvSchema.shape.ANSWER_DELAY_SECONDS,
  SQS_MAX_MESSAGE_BYTES: receiverEnvSchema.shape.SQS_MAX_MESSAGE_BYTES,
  STACK_STATE_FILE: envOptional(),
  WHATSAPP_GRAPH_URL: envOptional(),
  SANDBOX_PORT: port(0),
  OPENAI_API_KEY: envOptional(),
  OPENAI_BASE_URL: envOptional(),
  OPENAI_MODEL: envOptional(),
  /** Models of OPENAI_BASE_URL's server that take image inputs (comma-separated). */
  OPENAI_VISION_MODELS: envOptional(),
  LOG_LEVEL: envOptional(),
  CAMPAIGN_RATE_PER_SECOND: campaignEnvSchema.shape.CAMPAIGN_RATE_PER_SECOND,
  INGEST_BATCH_SIZE: envInt(100, { min: 1, max: 10_000 }),
  INGEST_BATCHING_WINDOW_SECONDS: envNumber(0.2, { max: 300 }),
  INGEST_VISIBILITY_TIMEOUT_SECONDS: envInt(30, { max: 43_200 }),
  // 100 as in production: with the back-off, receives are spread over days of outage.
  INGEST_MAX_RECEIVE_COUNT: envInt(100, { min: 1, max: 1_000 }),
  INGEST_CONCURRENCY: envInt(2, { min: 1, max: 1_000 }),
  /** `bundle`: run the Lambdas from their built bundles instead of their TypeScript sources. */
  LOCAL_HANDLERS: z.optional(z.enum(['source', 'bundle'])),
  LOCAL_BUNDLE_DIR: envOptional(),
});

/** 127.0.0.0/8, ::1 and localhost: nobody else can reach the stack. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The stack's configuration from the environment, validated (an EnvError
 * names each bad variable), with dev defaults for what is unset; `defaulted`
 * lists those. Bound to an address other machines can reach, the stack
 * refuses to start with the published dev secrets, set or defaulted.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): {
  config: StackConfig;
  defaulted: string[];
} {
  const e = parseEnv(stackEnvSchema, env);
  const defaulted: string[] = [];
  const get = (name: keyof typeof DEV_DEFAULTS): string => {
    const value = e[name];
    if (value) return value;
    defaulted.push(`${name}=${DEV_DEFAULTS[name]}`);
    return DEV_DEFAULTS[name];
  };
  const host = e.HOST ?? '127.0.0.1';
  const config: StackConfig = {
    port: e.PORT,
    host,
    databaseUrl: e.DATABASE_URL,
    embeddedPg: {
      dataDir: e.EMBEDDED_PG_DATA_DIR ?? '.data/pg',
      port: e.EMBEDDED_PG_PORT,
    },
    sqsPort: e.SQS_EMULATOR_PORT,
    appSecret: get('WHATSAPP_APP_SECRET'),
    previousAppSecret: e.WHATSAPP_APP_SECRET_PREVIOUS,
    verifyToken: get('WHATSAPP_VERIFY_TOKEN'),
    accessToken: get('WHATSAPP_ACCESS_TOKEN'),
    phoneNumberId: get('WHATSAPP_PHONE_NUMBER_ID'),
    businessAccountId: get('WHATSAPP_BUSINESS_ACCOUNT_ID'),
    displayPhoneNumber: e.WHATSAPP_DISPLAY_PHONE_NUMBER ?? '15550783881',
    extraApps: e.WHATSAPP_APPS,
    answerDelaySeconds: e.ANSWER_DELAY_SECONDS,
    sqsMaxMessageBytes: e.SQS_MAX_MESSAGE_BYTES,
    bundleDir:
      e.LOCAL_HANDLERS === 'bundle' ? (e.LOCAL_BUNDLE_DIR ?? DEFAULT_BUNDLE_DIR) : undefined,
    stateFile: e.STACK_STATE_FILE ?? '.data/stack.json',
    graphUrl: e.WHATSAPP_GRAPH_URL,
    sandboxPort: e.SANDBOX_PORT,
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      visionModels: e.OPENAI_VISION_MODELS,
    },
    logLevel: e.LOG_LEVEL ?? 'info',
    campaignRatePerSecond: e.CAMPAIGN_RATE_PER_SECOND,
    ingest: {
      batchSize: e.INGEST_BATCH_SIZE,
      windowSeconds: e.INGEST_BATCHING_WINDOW_SECONDS,
      visibilityTimeoutSeconds: e.INGEST_VISIBILITY_TIMEOUT_SECONDS,
      maxReceiveCount: e.INGEST_MAX_RECEIVE_COUNT,
      concurrency: e.INGEST_CONCURRENCY,
      backoff: ingestBackoffFromEnv(env).policy,
    },
  };
  const published = DEV_SECRETS.filter(
    (name) => (e[name] ?? DEV_DEFAULTS[name]) === DEV_DEFAULTS[name],
  );
  if (!isLoopback(host) && published.length > 0) {
    throw new EnvError(
      `HOST=${host} is reachable from other machines: set ${published.join(', ')} ` +
        '(their dev defaults are published), or bind to 127.0.0.1',
      published,
    );
  }
  return { config, defaulted };
}
