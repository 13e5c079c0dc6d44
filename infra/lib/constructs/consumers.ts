import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { answerEnvSchema } from '@waba/answer-worker/env';
import { campaignEnvSchema } from '@waba/campaign-sender/env';
import { serviceEnvSchema } from '@waba/consumer-service/env';
import { maintenanceEnvSchema } from '@waba/db/env';
import { processorEnvSchema } from '@waba/db-processor/env';
import { mediaArchiverEnvSchema } from '@waba/media-archiver/env';
import { envFor, envSome } from '@waba/whatsapp';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import type { ConnectionPlan, ConsumerName } from '../config/sizing';
import { acknowledge } from '../nag';
import { CONTAINER_RDS_CA, LAMBDA_RDS_CA } from './database';
import type { PipelineData } from './data';
import { grantSecretRead } from './imported-secret';
import { Migrations } from './migrations';
import type { Network } from './network';
import { PipelineService } from './pipeline-service';
import type { QueueWithDlq } from './queue-with-dlq';
import { WabaFunction, type LogSettings } from './waba-function';

/** Seconds a consumer keeps for itself before its timeout (campaign slices end earlier). */
const SLICE_MARGIN_SECONDS = 15;
/** Fargate's longest stop timeout: the time a task gets after SIGTERM. */
const FARGATE_MAX_STOP_SECONDS = 120;

export interface ConsumersProps {
  config: StageConfig;
  plan: ConnectionPlan;
  network: Network;
  data: PipelineData;
  logs: LogSettings;
}

/**
 * What reads and writes the database: the migrations (a custom resource, run
 * before anything reads it), the daily partition maintenance, and the three
 * queue consumers (processor, answer worker, campaign sender) as Lambdas
 * behind event source mappings, or in `service` mode one Fargate service
 * running all three; in both modes the media archiver (a Lambda on the media
 * queue) and its scheduled sweep.
 *
 * Its resources are created in `scope` itself (see Network): their logical
 * IDs stay those of a deployed stack.
 */
export class Consumers extends Construct {
  readonly migrations: Migrations;
  readonly maintenance: WabaFunction;
  readonly processor?: WabaFunction;
  readonly answerWorker?: WabaFunction;
  readonly campaignSender?: WabaFunction;
  /** The media archiver: a Lambda in both modes. */
  readonly mediaArchiver: WabaFunction;
  /** Re-enqueues `pending` media rows older than a threshold, on a schedule. */
  readonly mediaSweep: WabaFunction;
  readonly service?: PipelineService;

  constructor(scope: Construct, id: string, props: ConsumersProps) {
    super(scope, id);
    const { config, plan, network, data, logs } = props;
    const db = data.database;
    const { ingest, answer, campaign, media } = data.queues;
    const inVpc = network.clientPlacement(db.clientSecurityGroup);
    const dbEnv = (caPath: string): Record<string, string> => ({
      ...db.clientEnvironment(),
      ...(db.needsRdsCa ? { NODE_EXTRA_CA_CERTS: caPath } : {}),
    });

    // Migrations before anything reads the database.
    const migrations = new Migrations(scope, 'Migrations', {
      environment: dbEnv(LAMBDA_RDS_CA),
      databaseId: db.host ?? db.secret.secretArn,
      ...inVpc,
      ...logs,
    });
    this.migrations = migrations;
    grantSecretRead(db.secret, migrations.fn);
    // Everything of the database: the proxy's target group (a proxy without it has no
    // target), the security-group rules, a cluster's instances, the proxy role's policy.
    migrations.resource.node.addDependency(db);
    // Daily partition maintenance: next months' partitions, drop those past retention.
    this.maintenance = new WabaFunction(scope, 'Maintenance', {
      description: 'Daily: creates the coming monthly partitions, drops those past retention',
      bundle: 'maintenance',
      memoryMiB: 256,
      timeoutSeconds: 300,
      environment: {
        ...dbEnv(LAMBDA_RDS_CA),
        ...envFor(maintenanceEnvSchema, {
          WEBHOOK_EVENTS_RETENTION_MONTHS: config.partitionRetention.webhookEventsMonths,
          STATUS_EVENTS_RETENTION_MONTHS: config.partitionRetention.statusEventsMonths,
        }),
      },
      ...inVpc,
      ...logs,
    });
    grantSecretRead(db.secret, this.maintenance);
    const daily = new Rule(scope, 'MaintenanceSchedule', {
      description: 'Partition maintenance, daily at 03:17 UTC',
      schedule: Schedule.cron({ minute: '17', hour: '3' }),
    });
    daily.addTarget(new LambdaFunction(this.maintenance, { retryAttempts: 2 }));
    daily.node.addDependency(migrations.resource);

    // Each consumer's environment is typed by its package's contract (`envFor`):
    // a variable renamed or newly required there is a type error here.
    const graph = {
      WHATSAPP_ACCESS_TOKEN_SECRET_ARN: data.accessTokenSecret.secretArn,
      WHATSAPP_GRAPH_URL: config.graphUrl ?? undefined,
      WHATSAPP_GRAPH_VERSION: config.graphVersion,
    };
    const openAiSecret = data.openAiSecret;
    const answerEnv = envFor(answerEnvSchema, {
      ...graph,
      ANSWER_QUEUE_URL: answer.queue.queueUrl,
      AGENT_TIMEOUT_MS: config.answerWorker.agentTimeoutSeconds * 1000,
      OPENAI_API_KEY_SECRET_ARN: openAiSecret?.secretArn,
      OPENAI_BASE_URL: config.openAi?.baseUrl,
      OPENAI_MODEL: config.openAi?.model,
      OPENAI_VISION_MODELS: config.openAi?.visionModels?.join(','),
      // Images of organizations with image input on are read from the media archive.
      MEDIA_BUCKET: data.media.bucketName,
    });
    const campaignEnv = (timeoutSeconds: number) =>
      envFor(campaignEnvSchema, {
        ...graph,
        CAMPAIGN_QUEUE_URL: campaign.queue.queueUrl,
        CAMPAIGN_RATE_PER_SECOND: config.campaignSender.ratePerSecond,
        CAMPAIGN_SLICE_SECONDS: Math.max(5, timeoutSeconds - SLICE_MARGIN_SECONDS),
      });
    const processorEnv = envFor(processorEnvSchema, {
      // Its own queue: ChangeMessageVisibility backs a message off during a database outage.
      INGEST_QUEUE_URL: ingest.queue.queueUrl,
      ANSWER_QUEUE_URL: answer.queue.queueUrl,
      ANSWER_DELAY_SECONDS: config.answerWorker.answerDelaySeconds,
      // One archive job per inbound media item, after its transaction commits.
      MEDIA_QUEUE_URL: media.queue.queueUrl,
    });
    const mediaEnv = envFor(mediaArchiverEnvSchema, {
      ...graph,
      MEDIA_BUCKET: data.media.bucketName,
      MEDIA_QUEUE_URL: media.queue.queueUrl,
      // A download ends before the function's timeout, so its failure is recorded.
      MEDIA_DOWNLOAD_TIMEOUT_MS:
        Math.max(5, config.mediaArchiver.timeoutSeconds - SLICE_MARGIN_SECONDS) * 1000,
    });

    /** What each consumer may do, granted to its function or to the service's task role. */
    const grants = {
      processor: (g: IGrantable) => {
        answer.queue.grantSendMessages(g);
        media.queue.grantSendMessages(g);
        g.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.payloadObjects] }),
        );
      },
      answerWorker: (g: IGrantable) => {
        grantSecretRead(data.accessTokenSecret, g);
        if (openAiSecret) grantSecretRead(openAiSecret, g);
        // Read only: the images an organization lets its model see.
        g.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.mediaObjects] }),
        );
      },
      campaignSender: (g: IGrantable) => {
        grantSecretRead(data.accessTokenSecret, g);
        campaign.queue.grantSendMessages(g);
      },
      // Write only, on the media prefix: no read, no delete, nothing of the claim-check bucket.
      // A streamed upload is multipart: one that fails is aborted (its parts are not kept).
      mediaArchiver: (g: IGrantable) => {
        grantSecretRead(data.accessTokenSecret, g);
        g.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
            resources: [data.mediaObjects],
          }),
        );
      },
    } satisfies Record<ConsumerName, (g: IGrantable) => void>;

    const consumer = (
      name: ConsumerName,
      id: string,
      source: QueueWithDlq,
      environment: Record<string, string>,
      description: string,
    ): WabaFunction => {
      const c = config[name];
      const fn = new WabaFunction(scope, id, {
        description,
        bundle: name,
        memoryMiB: c.memoryMiB,
        timeoutSeconds: c.timeoutSeconds,
        reservedConcurrentExecutions: c.reservedConcurrency,
        environment: {
          ...dbEnv(LAMBDA_RDS_CA),
          // DB_POOL_MAX means the same in every consumer's contract.
          ...envSome(processorEnvSchema, { DB_POOL_MAX: c.dbPoolMax }),
          ...environment,
        },
        ...inVpc,
        ...logs,
      });
      grantSecretRead(db.secret, fn);
      source.queue.grantConsumeMessages(fn);
      grants[name](fn);
      const mapping = new EventSourceMapping(scope, `${id}Source`, {
        target: fn,
        eventSourceArn: source.queue.queueArn,
        batchSize: c.batchSize,
        maxBatchingWindow:
          c.batchingWindowSeconds > 0 ? Duration.seconds(c.batchingWindowSeconds) : undefined,
        reportBatchItemFailures: true,
        maxConcurrency: plan.consumers[name].maxConcurrency,
      });
      // No message is consumed before the schema exists.
      mapping.node.addDependency(migrations.resource);
      return fn;
    };

    // The media archiver is a Lambda in both modes, the sweep its scheduled companion.
    this.mediaArchiver = consumer(
      'mediaArchiver',
      'MediaArchiver',
      media,
      mediaEnv,
      'Media queue → Graph API media URL → streamed to S3, hash checked, media_objects row',
    );
    // One connection, every few minutes (a run is far shorter than the interval): it comes
    // out of the reserved connections. No reserved concurrency: a new account's quota
    // cannot spare it, and the schedule does not overlap itself.
    this.mediaSweep = new WabaFunction(scope, 'MediaSweep', {
      description:
        'Scheduled: re-enqueues pending media rows older than a threshold, logs the oldest age',
      bundle: 'mediaSweep',
      memoryMiB: 256,
      timeoutSeconds: 60,
      environment: {
        ...dbEnv(LAMBDA_RDS_CA),
        ...envSome(processorEnvSchema, { DB_POOL_MAX: 1 }),
        ...mediaEnv,
      },
      ...inVpc,
      ...logs,
    });
    grantSecretRead(db.secret, this.mediaSweep);
    media.queue.grantSendMessages(this.mediaSweep);
    const sweep = new Rule(scope, 'MediaSweepSchedule', {
      description: `Media sweep, every ${config.mediaArchiver.sweepEveryMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(config.mediaArchiver.sweepEveryMinutes)),
    });
    // No retry: the next run is a few minutes away and does the same.
    sweep.addTarget(new LambdaFunction(this.mediaSweep, { retryAttempts: 0 }));
    sweep.node.addDependency(migrations.resource);

    if (config.mode === 'lambda') {
      this.processor = consumer(
        'processor',
        'Processor',
        ingest,
        processorEnv,
        'Ingest queue → Postgres: normalize, route, idempotent upserts, answer jobs',
      );
      this.answerWorker = consumer(
        'answerWorker',
        'AnswerWorker',
        answer,
        answerEnv,
        'Answer queue → agent → reply through the Graph API',
      );
      this.campaignSender = consumer(
        'campaignSender',
        'CampaignSender',
        campaign,
        campaignEnv(config.campaignSender.timeoutSeconds),
        'Campaign queue → one rate-limited send slice, then the next slice re-enqueued',
      );
    } else {
      const service = config.service!;
      this.service = new PipelineService(scope, 'Service', {
        config: service,
        vpc: network.vpc!,
        vpcSubnets: network.clientSubnets!,
        securityGroups: db.clientSecurityGroup ? [db.clientSecurityGroup] : [],
        ingestQueue: ingest.queue,
        stopTimeoutSeconds: FARGATE_MAX_STOP_SECONDS,
        environment: {
          AWS_REGION: Stack.of(scope).region,
          ...dbEnv(CONTAINER_RDS_CA),
          ...envFor(serviceEnvSchema, {
            DB_POOL_MAX: service.dbPoolMax,
            INGEST_QUEUE_URL: ingest.queue.queueUrl,
            ANSWER_QUEUE_URL: answer.queue.queueUrl,
            INGEST_BATCH_SIZE: config.processor.batchSize,
            INGEST_BATCHING_WINDOW_SECONDS: config.processor.batchingWindowSeconds,
            INGEST_CONCURRENCY: service.ingestConcurrency,
            INGEST_TIMEOUT_SECONDS: config.processor.timeoutSeconds,
            ANSWER_BATCH_SIZE: config.answerWorker.batchSize,
            ANSWER_CONCURRENCY: service.answerConcurrency,
            ANSWER_TIMEOUT_SECONDS: config.answerWorker.timeoutSeconds,
            CAMPAIGN_CONCURRENCY: service.campaignConcurrency,
            CAMPAIGN_TIMEOUT_SECONDS: config.campaignSender.timeoutSeconds,
          }),
          ...processorEnv,
          ...answerEnv,
          ...campaignEnv(config.campaignSender.timeoutSeconds),
        },
        ...logs,
      });
      const task = this.service.taskDefinition.taskRole;
      grantSecretRead(db.secret, task);
      for (const source of [ingest, answer, campaign]) source.queue.grantConsumeMessages(task);
      // The task runs these three; the media archiver stays a Lambda with its own grants.
      for (const name of ['processor', 'answerWorker', 'campaignSender'] as const) {
        grants[name](task);
      }
      this.service.service.node.addDependency(migrations.resource);
    }

    new CfnOutput(scope, 'MaintenanceFunctionName', {
      value: this.maintenance.functionName,
      description: "Partition maintenance; npm run smoke asks it for a webhook's audit row",
    });
    if (this.service) {
      new CfnOutput(scope, 'ServiceClusterName', {
        value: this.service.cluster.clusterName,
        description: 'ECS cluster (ECS Exec for the CLI)',
      });
      new CfnOutput(scope, 'ServiceName', {
        value: this.service.service.serviceName,
        description: 'ECS service running the consumers',
      });
    }
    acknowledge(
      migrations.provider,
      `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(migrations.fn.node.defaultChild as CfnFunction)}.Arn>:*]`,
      'The CDK Provider framework invokes its onEvent function by any version or alias of that one function.',
    );
  }
}
