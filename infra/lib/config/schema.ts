import { z } from 'zod';
import { DEFAULT_GRAPH_VERSION, GRAPH_VERSION_PATTERN } from '@waba/whatsapp';

/** The retentions CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** A complete secret ARN (with the 6-character suffix Secrets Manager appends). */
const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/);

/** A customer-managed KMS key by its key ARN (an alias ARN does not work in an IAM grant). */
const kmsKeyArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'a KMS key ARN (…:key/<id>)');

/**
 * An engine version: the major alone (`17`: RDS applies minor upgrades, the
 * template does not drift), or a pinned minor (`17.9`: automatic minor
 * upgrades are turned off, upgrade by changing it here).
 */
const engineVersion = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a major version ("17") or a pinned minor ("17.9")');

const MiB = z.number().int().min(128).max(10_240);
const seconds = (max: number) => z.number().int().min(1).max(max);

/** A Lambda function's size and limits. */
const functionSchema = z.object({
  memoryMiB: MiB,
  timeoutSeconds: seconds(900),
  /** Reserved concurrency; unset: the account's unreserved pool. */
  reservedConcurrency: z.number().int().min(1).optional(),
});

/**
 * An SQS consumer: its function, its event source mapping, its queue. The
 * mapping's maximum concurrency is not configured but computed from the
 * database connection budget (see `connection-budget.ts`).
 */
const consumerBase = functionSchema.extend({
  batchSize: z.number().int().min(1).max(10_000),
  batchingWindowSeconds: z.number().int().min(0).max(300),
  /** Postgres pool size per Lambda instance (DB_POOL_MAX). */
  dbPoolMax: z.number().int().min(1).max(20),
  /** This consumer's weight in the database connection budget. */
  connectionShare: z.number().positive(),
  /**
   * Receives before a message moves to the DLQ; AWS advises at least 5 for Lambda. Each
   * failed receive costs at least one visibility timeout: the ingest queue's count is high
   * enough to ride out a database outage of hours (docs/deploy.md, "Database outages").
   */
  maxReceiveCount: z.number().int().min(5).max(1000),
  /**
   * How long an unprocessed message stays in the queue (the DLQ keeps 14 days). Ingest: 14,
   * so an acknowledged webhook outlives a long database outage; answers: 1, since a bot
   * reply days late does more harm than none (the customer message itself is stored).
   */
  retentionDays: z.number().int().min(1).max(14),
});

/** SQS refuses a batch size above 10 without a batching window. */
function batchRule<T extends z.ZodType<{ batchSize: number; batchingWindowSeconds: number }>>(
  schema: T,
): T {
  return schema.refine((c) => c.batchSize <= 10 || c.batchingWindowSeconds >= 1, {
    message: 'a batch size above 10 needs a batching window of at least 1 second',
    path: ['batchingWindowSeconds'],
  }) as unknown as T;
}

const consumerSchema = batchRule(consumerBase);

const rdsSchema = z.object({
  kind: z.literal('rds'),
  /** e.g. t4g.micro, m7g.large */
  instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/),
  engineVersion,
  allocatedStorageGiB: z.number().int().min(20),
  maxAllocatedStorageGiB: z.number().int().min(20),
  multiAz: z.boolean(),
});

const auroraSchema = z.object({
  kind: z.literal('aurora-serverless-v2'),
  /** Aurora versions are full ones (`17.9`): automatic minor upgrades are off, upgrade here. */
  engineVersion: z.string().regex(/^\d+\.\d+$/),
  minCapacity: z.number().min(0).max(256),
  maxCapacity: z.number().min(1).max(256),
  /** Readers in other AZs for failover (0: writer only). */
  readers: z.number().int().min(0).max(15),
});

const managedDatabase = {
  /** Connect through RDS Proxy (connection pooling and fast failover for Lambda). */
  proxy: z.boolean(),
  backupRetentionDays: z.number().int().min(1).max(35),
  deletionProtection: z.boolean(),
  /** NAT gateways of the VPC the database and the consumers live in (1 is cheaper, 2 survives an AZ). */
  natGateways: z.number().int().min(1).max(2),
};

const existingSchema = z.object({
  kind: z.literal('existing'),
  /** An RDS-style secret: {"username","password","host","port","dbname"}. */
  secretArn,
  /** The customer-managed key the secret is encrypted with (unset: the AWS managed key). */
  secretKmsKeyArn: kmsKeyArn.optional(),
  /** Connect here instead of the secret's host (e.g. your own RDS Proxy). */
  host: z.string().optional(),
  sslMode: z.enum(['verify-full', 'no-verify', 'require', 'disable']).optional(),
  /**
   * The VPC to reach the database from. Unset: the consumers run outside any
   * VPC and reach the database over the internet (TLS).
   */
  vpc: z
    .object({
      vpcId: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/),
      availabilityZones: z.array(z.string()).min(1),
      privateSubnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/)).min(1),
      /**
       * Check at synth that every subnet routes to the internet through a NAT (or
       * transit) gateway: the consumers call the Graph API, OpenAI and AWS APIs from
       * there. Needs the stack's `env` (account and region) and, once, credentials to
       * look the VPC up (cached in cdk.context.json); without `env` synth warns.
       */
      checkEgress: z.boolean().default(true),
    })
    .optional(),
});

const serviceSchema = z.object({
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  memoryMiB: z.number().int().min(512).max(30_720),
  minTasks: z.number().int().min(1),
  maxTasks: z.number().int().min(1),
  /** One Postgres pool per task, shared by its three consumers. */
  dbPoolMax: z.number().int().min(3).max(100),
  /** Parallel pollers per task. */
  ingestConcurrency: z.number().int().min(1).max(50),
  answerConcurrency: z.number().int().min(1).max(50),
  campaignConcurrency: z.number().int().min(1).max(50),
  /** Ingest messages waiting per task before scaling out. */
  scaleOutBacklogPerTask: z.number().int().min(1),
});

export const stageConfigSchema = z
  .object({
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/),
    /** Explicit account/region; unset: environment-agnostic (the CLI's credentials decide). */
    env: z.object({ account: z.string().optional(), region: z.string().optional() }).optional(),
    /**
     * `lambda`: SQS-triggered functions. `service`: one long-running Fargate
     * service polls the ingest, answer and campaign queues instead.
     */
    mode: z.enum(['lambda', 'service']),
    database: z.discriminatedUnion('kind', [
      rdsSchema.extend(managedDatabase),
      auroraSchema.extend(managedDatabase),
      existingSchema,
    ]),
    /**
     * Connections the pipeline may hold on the database (or proxy) in total:
     * Σ maxConcurrency × DB_POOL_MAX of the consumers, plus `reservedConnections`.
     */
    connectionBudget: z.number().int().min(10),
    /** Kept out of the consumers' share: the migration function, operators' CLI, analysts. */
    reservedConnections: z.number().int().min(1),
    receiver: functionSchema.extend({
      /** Body + attributes above this go to S3 (claim check). */
      claimCheckBytes: z.number().int().min(1024).max(1_048_576),
      /**
       * Share of accepted webhooks that log their success line
       * (SUCCESS_LOG_SAMPLE_RATE); rejections and failures always log.
       */
      successLogSampleRate: z.number().min(0).max(1).default(1),
      /**
       * Lambda's own START / END / REPORT lines. false: JSON log format with
       * the system log level WARN, which drops them (docs/deploy.md, "Cost levers").
       */
      platformLogs: z.boolean().default(true),
    }),
    /**
     * How Meta's webhooks reach the receiver: `http-api` (API Gateway HTTP API:
     * stage throttling, access logs, $1.00 per million requests) or
     * `function-url` (a Lambda function URL: no per-request charge, throttled
     * by the receiver's reserved concurrency only, no access log).
     */
    ingress: z.enum(['http-api', 'function-url']).default('http-api'),
    processor: consumerSchema,
    answerWorker: batchRule(
      consumerBase.extend({
        /** Default debounce of answer jobs (ANSWER_DELAY_SECONDS). */
        answerDelaySeconds: z.number().int().min(0).max(900),
        agentTimeoutSeconds: z.number().int().min(1).max(120),
      }),
    ),
    campaignSender: batchRule(
      consumerBase.extend({
        /** Sends per second per campaign slice (CAMPAIGN_RATE_PER_SECOND; Meta's default is 80). */
        ratePerSecond: z.number().int().min(1).max(1000),
      }),
    ),
    /**
     * The media archiver (a Lambda in both modes: downloads are I/O-bound and
     * rare next to webhooks) and its sweep, which re-enqueues `pending` media.
     */
    mediaArchiver: batchRule(
      consumerBase.extend({
        /** How often the sweep runs (an EventBridge schedule). */
        sweepEveryMinutes: z.number().int().min(1).max(60),
        /** Alarm when the oldest `pending` media row is older than this. */
        pendingAgeAlarmSeconds: z.number().int().min(300),
      }),
    ),
    service: serviceSchema.optional(),
    api: z.object({
      /** Stage-wide throttling of the HTTP API. */
      rateLimit: z.number().int().min(1),
      burstLimit: z.number().int().min(1),
    }),
    /**
     * Existing secrets to use instead of the ones the stack creates (complete
     * ARNs, with the 6-character suffix): the apps document
     * `{"<appId>": {"secrets": [...], "verifyToken": "..."}}` and the Graph API
     * access token (plain text).
     */
    whatsapp: z
      .object({
        appsSecretArn: secretArn.optional(),
        /** The customer-managed key of the existing apps secret, if it has one. */
        appsSecretKmsKeyArn: kmsKeyArn.optional(),
        accessTokenSecretArn: secretArn.optional(),
        /** The customer-managed key of the existing token secret, if it has one. */
        accessTokenSecretKmsKeyArn: kmsKeyArn.optional(),
      })
      .default({}),
    /** The answer worker's OpenAI (or compatible) agent; unset: the built-in rules agent. */
    openAi: z
      .object({
        /** A plain-text secret holding the API key, created beforehand. */
        apiKeySecretArn: secretArn,
        /** The customer-managed key of that secret, if it has one. */
        apiKeySecretKmsKeyArn: kmsKeyArn.optional(),
        baseUrl: z.string().url().optional(),
        model: z.string().optional(),
        /** A compatible server's models that take images (OPENAI_VISION_MODELS); unset: OpenAI's. */
        visionModels: z
          .array(z.string().regex(/^[^,\s]+$/))
          .min(1)
          .optional(),
      })
      .optional(),
    /** An SSM-managed instance (no SSH, no inbound) to tunnel to the database for the CLI and psql. */
    bastion: z.boolean().default(false),
    /** Graph API base URL override (WHATSAPP_GRAPH_URL); unset: graph.facebook.com. */
    graphUrl: z.string().url().optional(),
    /**
     * Graph API version of the answer worker's and campaign sender's calls
     * (WHATSAPP_GRAPH_VERSION). Versions live about two years: raise it before
     * Meta retires it (docs/deploy.md, "Graph API version").
     */
    graphVersion: z
      .string()
      .regex(GRAPH_VERSION_PATTERN, 'a Graph API version such as v25.0')
      .default(DEFAULT_GRAPH_VERSION),
    /**
     * Months of monthly partitions the daily maintenance function keeps
     * (db/src/maintenance.ts); 0 keeps everything.
     */
    partitionRetention: z
      .object({
        webhookEventsMonths: z.number().int().min(0),
        statusEventsMonths: z.number().int().min(0),
      })
      .default({ webhookEventsMonths: 3, statusEventsMonths: 13 }),
    /** Days claim-checked payloads stay in S3; longer than any queue keeps a pointer. */
    payloadRetentionDays: z.number().int().min(15),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message: `one of CloudWatch Logs' retentions: ${LOG_RETENTION_DAYS.join(', ')}`,
      }),
    /** Where alarms go (an SNS e-mail subscription); unset: the topic only. */
    alarmEmail: z.string().email().optional(),
    /** Alarm when the oldest ingest message is older than this. */
    ingestAgeAlarmSeconds: z.number().int().min(60),
    /** Keep data stores (database, bucket, secrets, DLQs) when the stack is deleted. */
    retainData: z.boolean(),
    /**
     * The stage's first deploy (`--context firstDeploy=true`): deletion protection stays off
     * so that a failed attempt rolls back completely; deploy again without it once the stack
     * is CREATE_COMPLETE, which turns protection on (docs/deploy.md, "First deploy").
     */
    firstDeploy: z.boolean().default(false),
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'service' && !c.service) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'mode "service" needs service' });
    }
    if (c.ingress === 'function-url' && c.receiver.reservedConcurrency === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['receiver', 'reservedConcurrency'],
        message: 'ingress "function-url" has no other throttle: set the reserved concurrency',
      });
    }
    if (c.service && c.service.maxTasks < c.service.minTasks) {
      ctx.addIssue({ code: 'custom', path: ['service', 'maxTasks'], message: 'below minTasks' });
    }
    for (const [secret, key] of [
      ['appsSecretArn', 'appsSecretKmsKeyArn'],
      ['accessTokenSecretArn', 'accessTokenSecretKmsKeyArn'],
    ] as const) {
      if (c.whatsapp[key] && !c.whatsapp[secret]) {
        ctx.addIssue({
          code: 'custom',
          path: ['whatsapp', key],
          message: `the key of an existing secret: set ${secret} too`,
        });
      }
    }
    const db = c.database;
    if (db.kind === 'rds' && db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'maxAllocatedStorageGiB'],
        message: 'below allocatedStorageGiB',
      });
    }
    if (db.kind === 'aurora-serverless-v2' && db.maxCapacity < db.minCapacity) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'maxCapacity'],
        message: 'below minCapacity',
      });
    }
  });

/** What a stage file writes (defaults not applied yet). */
export type StageConfigInput = z.input<typeof stageConfigSchema>;
/** A validated stage configuration. */
export type StageConfig = z.output<typeof stageConfigSchema>;
export type ConsumerConfig = z.output<typeof consumerSchema>;
export type DatabaseConfig = StageConfig['database'];

/** Validates a stage configuration; the error lists every problem with its path. */
export function parseStageConfig(input: unknown): StageConfig {
  const result = stageConfigSchema.safeParse(input);
  if (!result.success) {
    throw new Error(`invalid stage configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
