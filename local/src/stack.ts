import { rmSync } from 'node:fs';
import { Client } from 'pg';
import {
  createDb,
  maintainPartitions,
  migrateToLatest,
  upsertOrganization,
  type Db,
} from '@waba/db';
import { campaignDepsFromEnv, processCampaignJobs } from '@waba/campaign-sender';
import { processorDepsFromEnv, processSqsEvent } from '@waba/db-processor';
import {
  handleWebhookRequest,
  receiverDepsFromEnv,
  s3PayloadStore,
  sqsIngestQueue,
} from '@waba/webhook-receiver';
import { answerDepsFromEnv, processAnswerJobs } from '@waba/answer-worker';
import {
  mediaArchiverDepsFromEnv,
  mediaSweepDepsFromEnv,
  processMediaJobs,
  sweepPendingMedia,
} from '@waba/media-archiver';
import type { Logger } from '@waba/whatsapp';
import {
  bundleEnvironments,
  startBundleHandlers,
  type BundleHandlers,
} from './bundle-runner/bundle-handlers';
import {
  startMetaSandbox,
  type MetaSandbox,
  createBucket,
  createQueueWithDlq,
  s3Client,
  sqsClient,
  type QueuePair,
} from '@waba/testing';
import type { StackConfig } from './config';
import {
  consumerEnvironments,
  consumerMappings,
  type ConsumerTargets,
} from './consumer-environments';
import { startEventSourceMapping, type EventSourceMapping } from '@waba/consumer-service';
import { startHttpGateway, type HttpGateway } from './http-gateway';
import { startEmbeddedPostgres, withDatabase, type PostgresHandle } from './services/postgres';
import { startSqsEmulator, type SqsEmulatorHandle } from './services/sqs-emulator';
import { writeStackState, type StackState } from './stack-state';

export interface Stack {
  url: string;
  db: Db;
  databaseUrl: string;
  postgres: PostgresHandle | null;
  sqsEmulator: SqsEmulatorHandle;
  queues: {
    ingest: QueuePair;
    answer: QueuePair;
    campaign: QueuePair;
    media: QueuePair;
    bucket: string;
    mediaBucket: string;
  };
  processor: EventSourceMapping;
  answerWorker: EventSourceMapping;
  campaignSender: EventSourceMapping;
  mediaArchiver: EventSourceMapping;
  /** The bundles the Lambdas run from (LOCAL_HANDLERS=bundle); null: from their sources. */
  bundles: BundleHandlers | null;
  /** The Meta sandbox, when WHATSAPP_GRAPH_URL is unset. */
  sandbox: MetaSandbox | null;
  state: StackState;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

/**
 * The whole pipeline on one machine: Postgres (embedded unless DATABASE_URL),
 * migrations, the SQS/S3 emulator with production's queues and redrive, the
 * real receiver behind an API-Gateway-like HTTP server, and the real
 * processor behind an event-source-mapping poller.
 */
export async function startStack(config: StackConfig, logger: Logger): Promise<Stack> {
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of cleanup.reverse())
      await fn().catch((error) => logger.error({ err: error }, 'stop step failed'));
    cleanup.length = 0;
  };
  try {
    let postgres: PostgresHandle | null = null;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      logger.info(
        { dataDir: config.embeddedPg.dataDir, port: config.embeddedPg.port },
        'starting embedded Postgres',
      );
      postgres = await startEmbeddedPostgres({
        dataDir: config.embeddedPg.dataDir,
        port: config.embeddedPg.port,
      });
      cleanup.push(() => postgres!.stop());
      databaseUrl = await ensureDatabase(postgres.adminUrl, 'waba');
    }
    const db = createDb({ connectionString: databaseUrl, max: 10, applicationName: 'waba-local' });
    cleanup.push(() => db.destroy());
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    // Partitions for this month and the next ones; nothing is dropped locally.
    const partitions = await maintainPartitions(db, {
      retention: { webhookEventsMonths: null, statusEventsMonths: null },
    });
    if (partitions.created.length) logger.info(partitions, 'partitions created');

    const org = await upsertOrganization(db, {
      name: 'Default organization',
      slug: 'default',
      phoneNumbers: [
        {
          phoneNumberId: config.phoneNumberId,
          wabaId: config.businessAccountId,
          displayPhoneNumber: config.displayPhoneNumber,
          appId: 'default',
        },
      ],
    });
    logger.info(
      {
        organization: org.slug,
        phoneNumberId: config.phoneNumberId,
        wabaId: config.businessAccountId,
      },
      'default organization registered',
    );

    const sqsEmulator = await startSqsEmulator(config.sqsPort);
    cleanup.push(() => sqsEmulator.stop());
    const aws = { endpoint: sqsEmulator.endpoint, region: REGION };
    const sqs = sqsClient(aws);
    const s3 = s3Client(aws);
    const ingest = await createQueueWithDlq(sqs, 'waba-ingest', config.ingest);
    const answer = await createQueueWithDlq(sqs, 'waba-answer', {
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 5,
    });
    // One slice per message; a slice sends for up to 45 s, like the Lambda.
    const campaign = await createQueueWithDlq(sqs, 'waba-campaign', {
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 5,
    });
    const bucket = 'waba-payloads';
    await createBucket(s3, bucket);
    // A download of a 100 MB document takes its time: the visibility covers the archiver's timeout.
    const media = await createQueueWithDlq(sqs, 'waba-media', {
      visibilityTimeoutSeconds: 180,
      maxReceiveCount: 5,
    });
    const mediaBucket = 'waba-media';
    await createBucket(s3, mediaBucket);

    // The Meta sandbox posts its signed status webhooks back to our own receiver.
    const receiverAddress: { url?: string } = {};
    const sandbox = config.graphUrl
      ? null
      : await startMetaSandbox({
          port: config.sandboxPort,
          webhookUrl: () => (receiverAddress.url ? `${receiverAddress.url}/webhook` : undefined),
          appSecret: config.appSecret,
          wabaId: config.businessAccountId,
          displayPhoneNumber: config.displayPhoneNumber,
          accessToken: config.accessToken,
          logger: logger.child({ fn: 'meta-sandbox' }),
        });
    if (sandbox) cleanup.push(() => sandbox.close());
    const targets: ConsumerTargets = {
      databaseUrl,
      ingestQueueUrl: ingest.url,
      answerQueueUrl: answer.url,
      campaignQueueUrl: campaign.url,
      bucket,
      graphUrl: config.graphUrl ?? sandbox!.url,
      mediaQueueUrl: media.url,
      mediaBucket,
    };
    // LOCAL_HANDLERS=bundle: the receiver, processor and answer worker run from the bundles
    // the CDK app deploys, each in its own execution environments.
    const bundles = config.bundleDir
      ? startBundleHandlers(
          config.bundleDir,
          bundleEnvironments(config, {
            ...targets,
            awsEndpoint: sqsEmulator.endpoint,
            region: REGION,
          }),
          logger,
        )
      : undefined;
    if (bundles) {
      cleanup.push(() => bundles.stop());
      logger.info({ bundleDir: config.bundleDir }, 'handlers run from their bundles');
    }

    // Otherwise each consumer is built by its package's own …DepsFromEnv() from the
    // environment a deployment would give it, sharing the stack's pool and emulator clients,
    // and polled with the service mode's settings.
    const env = consumerEnvironments(config, targets);
    const mappings = consumerMappings(config, targets);
    const log = {
      receiver: logger.child({ fn: 'webhook-receiver' }),
      processor: logger.child({ fn: 'db-processor' }),
      answerWorker: logger.child({ fn: 'answer-worker' }),
      campaignSender: logger.child({ fn: 'campaign-sender' }),
      mediaArchiver: logger.child({ fn: 'media-archiver' }),
    };
    const receiverDeps = receiverDepsFromEnv(env.receiver, {
      queue: (url) => sqsIngestQueue(sqs, url),
      payloads: (name) => s3PayloadStore(s3, name),
      logger: log.receiver,
    });
    const processorDeps = await processorDepsFromEnv(env.processor, {
      db,
      sqs,
      s3,
      logger: log.processor,
    });
    const answerDeps = await answerDepsFromEnv(env.answerWorker, {
      db,
      sqs,
      s3,
      logger: log.answerWorker,
    });
    const campaignDeps = await campaignDepsFromEnv(env.campaignSender, {
      db,
      sqs,
      logger: log.campaignSender,
    });
    const shared = { db, sqs, s3, logger: log.mediaArchiver };
    const mediaDeps = await mediaArchiverDepsFromEnv(env.mediaArchiver, shared);
    const sweepDeps = await mediaSweepDepsFromEnv(env.mediaArchiver, shared);
    const poll = (c: (typeof mappings)[keyof typeof mappings], fnLogger: Logger) => ({
      sqs,
      queueUrl: c.queueUrl,
      batchSize: c.batchSize,
      maximumBatchingWindowSeconds: c.windowSeconds,
      concurrency: c.concurrency,
      logger: fnLogger,
    });

    const processor = startEventSourceMapping({
      ...poll(mappings.ingest, log.processor),
      handler: (event) =>
        bundles ? bundles.processor.invoke(event) : processSqsEvent(event, processorDeps),
    });
    cleanup.push(() => processor.stop());

    const answerWorker = startEventSourceMapping({
      ...poll(mappings.answer, log.answerWorker),
      handler: (event) =>
        bundles ? bundles.answerWorker.invoke(event) : processAnswerJobs(event, answerDeps),
    });
    cleanup.push(() => answerWorker.stop());

    const campaignSender = startEventSourceMapping({
      ...poll(mappings.campaign, log.campaignSender),
      handler: (event) => processCampaignJobs(event, campaignDeps),
    });
    cleanup.push(() => campaignSender.stop());

    const mediaArchiver = startEventSourceMapping({
      ...poll({ ...mappings.answer, queueUrl: media.url }, log.mediaArchiver),
      handler: (event) => processMediaJobs(event, mediaDeps),
    });
    cleanup.push(() => mediaArchiver.stop());
    // The scheduled sweep (EventBridge in AWS): lost media jobs are queued again.
    const sweep = setInterval(() => {
      sweepPendingMedia(sweepDeps).catch((error: unknown) =>
        log.mediaArchiver.error({ err: error }, 'media sweep failed'),
      );
    }, 60_000);
    sweep.unref();
    cleanup.push(async () => clearInterval(sweep));

    const webhook = (event: Parameters<typeof handleWebhookRequest>[0]) =>
      bundles ? bundles.receiver.invoke(event) : handleWebhookRequest(event, receiverDeps);
    const gateway: HttpGateway = await startHttpGateway({
      port: config.port,
      host: config.host,
      logger,
      routes: [
        { method: 'GET', path: '/webhook', handler: webhook },
        { method: 'POST', path: '/webhook', handler: webhook },
        { method: 'GET', path: '/webhook/{appId}', handler: webhook },
        { method: 'POST', path: '/webhook/{appId}', handler: webhook },
        // What the bot sent through the Meta sandbox, on the stack's own port.
        {
          method: 'GET',
          path: '/sandbox/messages',
          handler: async () => sandbox?.messages() ?? [],
        },
        {
          method: 'GET',
          path: '/health',
          handler: async () => ({
            status: 'ok',
            processor: processor.stats(),
            answerWorker: answerWorker.stats(),
            campaignSender: campaignSender.stats(),
            mediaArchiver: mediaArchiver.stats(),
          }),
        },
      ],
    });
    cleanup.push(() => gateway.close());
    receiverAddress.url = gateway.url;

    const state: StackState = {
      url: gateway.url,
      databaseUrl,
      awsEndpoint: sqsEmulator.endpoint,
      region: REGION,
      ingestQueueUrl: ingest.url,
      ingestDlqUrl: ingest.dlqUrl,
      answerQueueUrl: answer.url,
      answerDlqUrl: answer.dlqUrl,
      campaignQueueUrl: campaign.url,
      campaignDlqUrl: campaign.dlqUrl,
      bucket,
      mediaQueueUrl: media.url,
      mediaDlqUrl: media.dlqUrl,
      mediaBucket,
      sandboxUrl: sandbox?.url ?? null,
      pid: process.pid,
    };
    writeStackState(config.stateFile, state);
    cleanup.push(async () => rmSync(config.stateFile, { force: true }));

    return {
      url: gateway.url,
      db,
      databaseUrl,
      postgres,
      sqsEmulator,
      queues: { ingest, answer, campaign, media, bucket, mediaBucket },
      processor,
      answerWorker,
      campaignSender,
      mediaArchiver,
      bundles: bundles ?? null,
      sandbox,
      state,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
