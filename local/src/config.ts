import { ingestBackoffFromEnv, type BackoffPolicy } from '@waba/db-processor';

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
  openai: { apiKey?: string; baseURL?: string; model?: string };
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

export const DEV_DEFAULTS = {
  WHATSAPP_APP_SECRET: 'dev-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'dev-verify-token',
  WHATSAPP_ACCESS_TOKEN: 'dev-access-token',
  WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
  WHATSAPP_BUSINESS_ACCOUNT_ID: '102290129340398',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): {
  config: StackConfig;
  defaulted: string[];
} {
  const defaulted: string[] = [];
  const get = (name: keyof typeof DEV_DEFAULTS): string => {
    const value = env[name];
    if (value) return value;
    defaulted.push(`${name}=${DEV_DEFAULTS[name]}`);
    return DEV_DEFAULTS[name];
  };
  const config: StackConfig = {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPg: {
      dataDir: env.EMBEDDED_PG_DATA_DIR ?? '.data/pg',
      port: Number(env.EMBEDDED_PG_PORT ?? 54329),
    },
    sqsPort: Number(env.SQS_EMULATOR_PORT ?? 0),
    appSecret: get('WHATSAPP_APP_SECRET'),
    previousAppSecret: env.WHATSAPP_APP_SECRET_PREVIOUS || undefined,
    verifyToken: get('WHATSAPP_VERIFY_TOKEN'),
    accessToken: get('WHATSAPP_ACCESS_TOKEN'),
    phoneNumberId: get('WHATSAPP_PHONE_NUMBER_ID'),
    businessAccountId: get('WHATSAPP_BUSINESS_ACCOUNT_ID'),
    displayPhoneNumber: env.WHATSAPP_DISPLAY_PHONE_NUMBER ?? '15550783881',
    extraApps: env.WHATSAPP_APPS || undefined,
    answerDelaySeconds: Number(env.ANSWER_DELAY_SECONDS ?? 2),
    sqsMaxMessageBytes: Number(env.SQS_MAX_MESSAGE_BYTES ?? 262_144),
    stateFile: env.STACK_STATE_FILE ?? '.data/stack.json',
    graphUrl: env.WHATSAPP_GRAPH_URL || undefined,
    sandboxPort: Number(env.SANDBOX_PORT ?? 0),
    openai: {
      apiKey: env.OPENAI_API_KEY || undefined,
      baseURL: env.OPENAI_BASE_URL || undefined,
      model: env.OPENAI_MODEL || undefined,
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    campaignRatePerSecond: Number(env.CAMPAIGN_RATE_PER_SECOND ?? 80),
    ingest: {
      batchSize: Number(env.INGEST_BATCH_SIZE ?? 100),
      windowSeconds: Number(env.INGEST_BATCHING_WINDOW_SECONDS ?? 0.2),
      visibilityTimeoutSeconds: Number(env.INGEST_VISIBILITY_TIMEOUT_SECONDS ?? 30),
      // 50 as in production: with the back-off, receives are spread over hours of outage.
      maxReceiveCount: Number(env.INGEST_MAX_RECEIVE_COUNT ?? 50),
      concurrency: Number(env.INGEST_CONCURRENCY ?? 2),
      backoff: ingestBackoffFromEnv(env).policy,
    },
  };
  return { config, defaulted };
}
