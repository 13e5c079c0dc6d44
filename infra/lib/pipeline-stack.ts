import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  Tags,
  Token,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  BastionHostLinux,
  BlockDeviceVolume,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InstanceClass,
  InstanceSize,
  InstanceType,
  IpAddresses,
  MachineImage,
  AmazonLinuxCpuType,
  SubnetType,
  Vpc,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ConsumerConfig, StageConfig } from './config/schema';
import {
  connectionPlan,
  visibilityTimeoutSeconds,
  type ConnectionPlan,
  type ConsumerName,
} from './config/sizing';
import { CONTAINER_RDS_CA, Database, LAMBDA_RDS_CA } from './constructs/database';
import { grantSecretRead, importSecret } from './constructs/imported-secret';
import { Migrations } from './constructs/migrations';
import { logAlarm, Monitoring } from './constructs/monitoring';
import { PipelineService } from './constructs/pipeline-service';
import { QueueWithDlq } from './constructs/queue-with-dlq';
import { WabaFunction } from './constructs/waba-function';
import { ANSWER_NOT_SENT_PATTERN } from './log-patterns';
import { acknowledge } from './nag';
import { privateSubnetsWithoutEgress, vpcLookup } from './vpc-egress';
import { GRAPH_TOKEN_PLACEHOLDER } from '@waba/whatsapp';

export interface PipelineStackProps extends StackProps {
  config: StageConfig;
}

/** Seconds a consumer keeps for itself before its timeout (campaign slices end earlier). */
const SLICE_MARGIN_SECONDS = 15;
/** Fargate's longest stop timeout: the time a task gets after SIGTERM. */
const FARGATE_MAX_STOP_SECONDS = 120;
/** The DLQs keep 14 days: alarm when a dead-lettered message has 4 days left. */
const DLQ_EXPIRY_WARNING_SECONDS = 10 * 24 * 3600;

/**
 * The Graph API token secret holds GRAPH_TOKEN_PLACEHOLDER until an operator
 * puts a real token: a value every consumer refuses (isPlaceholderSecret),
 * where a random string would be sent to Meta and refused with 190.
 */
export { GRAPH_TOKEN_PLACEHOLDER };

/**
 * The HTTP API's access log line (JSON). HTTP APIs have their own context
 * variables: the REST-style default format logs empty fields there.
 */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationErrorMessage: '$context.integrationErrorMessage',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
};

type ExistingVpc = NonNullable<Extract<StageConfig['database'], { kind: 'existing' }>['vpc']>;

interface Network {
  vpc?: IVpc;
  /** Where the database clients run (private subnets with egress: Graph API, OpenAI, AWS APIs). */
  clientSubnets?: SubnetSelection;
}

/**
 * The whole pipeline in one stack: API Gateway (HTTP API) → receiver Lambda
 * → ingest queue → processor → Postgres, answer queue → answer worker,
 * campaign queue → campaign sender, each queue with its DLQ; claim-check
 * bucket, secrets, migrations on deploy, alarms, dashboard. In `service`
 * mode one Fargate service replaces the three SQS-triggered Lambdas.
 */
export class PipelineStack extends Stack {
  readonly config: StageConfig;
  readonly plan: ConnectionPlan;
  readonly queues: { ingest: QueueWithDlq; answer: QueueWithDlq; campaign: QueueWithDlq };
  readonly functions: {
    receiver: WabaFunction;
    migrate: WabaFunction;
    maintenance: WabaFunction;
    processor?: WabaFunction;
    answerWorker?: WabaFunction;
    campaignSender?: WabaFunction;
  };
  readonly database: Database;
  readonly payloads: Bucket;
  readonly api: HttpApi;
  readonly monitoring: Monitoring;
  readonly service?: PipelineService;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const config = props.config;
    this.config = config;
    this.plan = connectionPlan(config);
    Tags.of(this).add('project', 'waba-pipeline');
    Tags.of(this).add('stage', config.stage);
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);

    const retain = config.retainData;
    // Retained, except when the stack's creation rolls back: a failed first deploy leaves
    // nothing behind that the next attempt would collide with or pay for.
    const dataRemoval = retain ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const logs = { logRetention, logRemovalPolicy: dataRemoval };

    const network = this.network();
    this.database = new Database(this, 'Database', {
      config: config.database,
      vpc: network.vpc,
      clientSubnets: network.clientSubnets,
      logRetention,
      retainData: retain,
      firstDeploy: config.firstDeploy,
    });
    const db = this.database;
    const inVpc = network.vpc
      ? {
          vpc: network.vpc,
          vpcSubnets: network.clientSubnets,
          securityGroups: db.clientSecurityGroup ? [db.clientSecurityGroup] : [],
        }
      : {};
    const dbEnv = (caPath: string): Record<string, string> => ({
      ...db.clientEnvironment(),
      ...(db.needsRdsCa ? { NODE_EXTRA_CA_CERTS: caPath } : {}),
    });

    // Secrets: created with placeholders (filled in after the first deploy), or existing ones
    // (their customer-managed key, if any, is granted with them).
    const wa = config.whatsapp;
    const appsSecret = wa.appsSecretArn
      ? importSecret(this, 'WhatsappApps', wa.appsSecretArn, wa.appsSecretKmsKeyArn)
      : new Secret(this, 'WhatsappApps', {
          description:
            'Meta apps of this pipeline: {"<appId>": {"secrets": ["<app secret>"], "verifyToken": "..."}} (appId "default" serves /webhook)',
          // No app until an operator fills it in: every webhook is refused until then.
          secretStringValue: SecretValue.unsafePlainText('{}'),
          removalPolicy: dataRemoval,
        });
    const accessTokenSecret = wa.accessTokenSecretArn
      ? importSecret(
          this,
          'WhatsappAccessToken',
          wa.accessTokenSecretArn,
          wa.accessTokenSecretKmsKeyArn,
        )
      : new Secret(this, 'WhatsappAccessToken', {
          description: 'Graph API access token (a system user token), plain text',
          secretStringValue: SecretValue.unsafePlainText(GRAPH_TOKEN_PLACEHOLDER),
          removalPolicy: dataRemoval,
        });
    const openAiSecret = config.openAi
      ? importSecret(
          this,
          'OpenAiApiKey',
          config.openAi.apiKeySecretArn,
          config.openAi.apiKeySecretKmsKeyArn,
        )
      : undefined;

    // Claim-check bucket: payloads too large for SQS.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: dataRemoval,
      autoDeleteObjects: !retain,
    });
    this.payloads = new Bucket(this, 'Payloads', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'payloads/',
      lifecycleRules: [
        {
          id: 'expire-claim-checks',
          expiration: Duration.days(config.payloadRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: dataRemoval,
      autoDeleteObjects: !retain,
    });
    const payloadObjects = this.payloads.arnForObjects('webhooks/*');

    // Queues: visibility timeout computed from each consumer's timeout and window.
    const queue = (name: string, consumer: ConsumerConfig, maxMessageSizeBytes?: number) =>
      new QueueWithDlq(this, name, {
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(consumer)),
        maxReceiveCount: consumer.maxReceiveCount,
        retention: Duration.days(consumer.retentionDays),
        maxMessageSizeBytes,
        removalPolicy: dataRemoval,
      });
    this.queues = {
      ingest: queue('Ingest', config.processor, 1_048_576),
      answer: queue('Answer', config.answerWorker),
      campaign: queue('Campaign', config.campaignSender),
    };
    const { ingest, answer, campaign } = this.queues;

    // Receiver + HTTP API.
    const receiver = new WabaFunction(this, 'Receiver', {
      description: 'Meta webhook receiver: verify the signature, enqueue, answer 200',
      entry: 'webhook-receiver/src/handler.ts',
      memoryMiB: config.receiver.memoryMiB,
      timeoutSeconds: config.receiver.timeoutSeconds,
      reservedConcurrentExecutions: config.receiver.reservedConcurrency,
      environment: {
        INGEST_QUEUE_URL: ingest.queue.queueUrl,
        PAYLOAD_BUCKET: this.payloads.bucketName,
        WHATSAPP_APPS_SECRET_ARN: appsSecret.secretArn,
        SQS_MAX_MESSAGE_BYTES: String(config.receiver.claimCheckBytes),
      },
      ...logs,
    });
    ingest.queue.grantSendMessages(receiver);
    receiver.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [payloadObjects] }),
    );
    grantSecretRead(appsSecret, receiver);

    this.api = new HttpApi(this, 'Api', {
      apiName: `${this.stackName}-webhooks`,
      description: 'WhatsApp Business Cloud API webhooks',
      createDefaultStage: false,
    });
    const accessLogGroup = new LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy: dataRemoval,
    });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.rateLimit, burstLimit: config.api.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new HttpLambdaIntegration('Receiver', receiver);
    for (const path of ['/webhook', '/webhook/{appId}']) {
      this.api.addRoutes({ path, methods: [HttpMethod.GET, HttpMethod.POST], integration });
    }

    // Migrations before anything reads the database.
    const migrations = new Migrations(this, 'Migrations', {
      environment: dbEnv(LAMBDA_RDS_CA),
      databaseId: db.host ?? db.secret.secretArn,
      ...inVpc,
      ...logs,
    });
    grantSecretRead(db.secret, migrations.fn);
    // Everything of the database: the proxy's target group (a proxy without it has no
    // target), the security-group rules, a cluster's instances, the proxy role's policy.
    migrations.resource.node.addDependency(db);
    // Daily partition maintenance: next months' partitions, drop those past retention.
    const maintenance = new WabaFunction(this, 'Maintenance', {
      description: 'Daily: creates the coming monthly partitions, drops those past retention',
      entry: 'db/src/maintenance-handler.ts',
      memoryMiB: 256,
      timeoutSeconds: 300,
      environment: {
        ...dbEnv(LAMBDA_RDS_CA),
        WEBHOOK_EVENTS_RETENTION_MONTHS: String(config.partitionRetention.webhookEventsMonths),
        STATUS_EVENTS_RETENTION_MONTHS: String(config.partitionRetention.statusEventsMonths),
      },
      ...inVpc,
      ...logs,
    });
    grantSecretRead(db.secret, maintenance);
    const daily = new Rule(this, 'MaintenanceSchedule', {
      description: 'Partition maintenance, daily at 03:17 UTC',
      schedule: Schedule.cron({ minute: '17', hour: '3' }),
    });
    daily.addTarget(new LambdaFunction(maintenance, { retryAttempts: 2 }));
    daily.node.addDependency(migrations.resource);
    this.functions = { receiver, migrate: migrations.fn, maintenance };

    const workerEnv: Record<string, string> = {
      WHATSAPP_ACCESS_TOKEN_SECRET_ARN: accessTokenSecret.secretArn,
      ...(config.graphUrl ? { WHATSAPP_GRAPH_URL: config.graphUrl } : {}),
      WHATSAPP_GRAPH_VERSION: config.graphVersion,
    };
    const answerEnv: Record<string, string> = {
      ...workerEnv,
      ANSWER_QUEUE_URL: answer.queue.queueUrl,
      AGENT_TIMEOUT_MS: String(config.answerWorker.agentTimeoutSeconds * 1000),
      ...(openAiSecret ? { OPENAI_API_KEY_SECRET_ARN: openAiSecret.secretArn } : {}),
      ...(config.openAi?.baseUrl ? { OPENAI_BASE_URL: config.openAi.baseUrl } : {}),
      ...(config.openAi?.model ? { OPENAI_MODEL: config.openAi.model } : {}),
    };
    const campaignEnv = (timeoutSeconds: number): Record<string, string> => ({
      ...workerEnv,
      CAMPAIGN_QUEUE_URL: campaign.queue.queueUrl,
      CAMPAIGN_RATE_PER_SECOND: String(config.campaignSender.ratePerSecond),
      CAMPAIGN_SLICE_SECONDS: String(Math.max(5, timeoutSeconds - SLICE_MARGIN_SECONDS)),
    });
    const processorEnv: Record<string, string> = {
      // Its own queue: ChangeMessageVisibility backs a message off during a database outage.
      INGEST_QUEUE_URL: ingest.queue.queueUrl,
      ANSWER_QUEUE_URL: answer.queue.queueUrl,
      ANSWER_DELAY_SECONDS: String(config.answerWorker.answerDelaySeconds),
    };

    /** What each consumer may do, granted to its function or to the service's task role. */
    const grants = {
      processor: (g: IGrantable) => {
        answer.queue.grantSendMessages(g);
        g.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['s3:GetObject'], resources: [payloadObjects] }),
        );
      },
      answerWorker: (g: IGrantable) => {
        grantSecretRead(accessTokenSecret, g);
        if (openAiSecret) grantSecretRead(openAiSecret, g);
      },
      campaignSender: (g: IGrantable) => {
        grantSecretRead(accessTokenSecret, g);
        campaign.queue.grantSendMessages(g);
      },
    } satisfies Record<ConsumerName, (g: IGrantable) => void>;

    if (config.mode === 'lambda') {
      const consumer = (
        name: ConsumerName,
        id: string,
        entry: string,
        source: QueueWithDlq,
        environment: Record<string, string>,
        description: string,
      ): WabaFunction => {
        const c = config[name];
        const fn = new WabaFunction(this, id, {
          description,
          entry,
          memoryMiB: c.memoryMiB,
          timeoutSeconds: c.timeoutSeconds,
          reservedConcurrentExecutions: c.reservedConcurrency,
          environment: {
            ...dbEnv(LAMBDA_RDS_CA),
            DB_POOL_MAX: String(c.dbPoolMax),
            ...environment,
          },
          ...inVpc,
          ...logs,
        });
        grantSecretRead(db.secret, fn);
        source.queue.grantConsumeMessages(fn);
        grants[name](fn);
        const mapping = new EventSourceMapping(this, `${id}Source`, {
          target: fn,
          eventSourceArn: source.queue.queueArn,
          batchSize: c.batchSize,
          maxBatchingWindow:
            c.batchingWindowSeconds > 0 ? Duration.seconds(c.batchingWindowSeconds) : undefined,
          reportBatchItemFailures: true,
          maxConcurrency: this.plan.consumers[name].maxConcurrency,
        });
        // No message is consumed before the schema exists.
        mapping.node.addDependency(migrations.resource);
        return fn;
      };
      this.functions.processor = consumer(
        'processor',
        'Processor',
        'db-processor/src/handler.ts',
        ingest,
        processorEnv,
        'Ingest queue → Postgres: normalize, route, idempotent upserts, answer jobs',
      );
      this.functions.answerWorker = consumer(
        'answerWorker',
        'AnswerWorker',
        'answer-worker/src/handler.ts',
        answer,
        answerEnv,
        'Answer queue → agent → reply through the Graph API',
      );
      this.functions.campaignSender = consumer(
        'campaignSender',
        'CampaignSender',
        'campaign-sender/src/handler.ts',
        campaign,
        campaignEnv(config.campaignSender.timeoutSeconds),
        'Campaign queue → one rate-limited send slice, then the next slice re-enqueued',
      );
    } else {
      const service = config.service!;
      const vpc = network.vpc!;
      this.service = new PipelineService(this, 'Service', {
        config: service,
        vpc,
        vpcSubnets: network.clientSubnets!,
        securityGroups: db.clientSecurityGroup ? [db.clientSecurityGroup] : [],
        ingestQueue: ingest.queue,
        stopTimeoutSeconds: FARGATE_MAX_STOP_SECONDS,
        environment: {
          AWS_REGION: this.region,
          ...dbEnv(CONTAINER_RDS_CA),
          DB_POOL_MAX: String(service.dbPoolMax),
          INGEST_QUEUE_URL: ingest.queue.queueUrl,
          INGEST_BATCH_SIZE: String(config.processor.batchSize),
          INGEST_BATCHING_WINDOW_SECONDS: String(config.processor.batchingWindowSeconds),
          INGEST_CONCURRENCY: String(service.ingestConcurrency),
          INGEST_TIMEOUT_SECONDS: String(config.processor.timeoutSeconds),
          ANSWER_BATCH_SIZE: String(config.answerWorker.batchSize),
          ANSWER_CONCURRENCY: String(service.answerConcurrency),
          ANSWER_TIMEOUT_SECONDS: String(config.answerWorker.timeoutSeconds),
          CAMPAIGN_CONCURRENCY: String(service.campaignConcurrency),
          CAMPAIGN_TIMEOUT_SECONDS: String(config.campaignSender.timeoutSeconds),
          ...processorEnv,
          ...answerEnv,
          ...campaignEnv(config.campaignSender.timeoutSeconds),
        },
        ...logs,
      });
      const task = this.service.taskDefinition.taskRole;
      grantSecretRead(db.secret, task);
      for (const source of [ingest, answer, campaign]) source.queue.grantConsumeMessages(task);
      for (const grant of Object.values(grants)) grant(task);
      this.service.service.node.addDependency(migrations.resource);
    }

    if (config.bastion) this.bastion(network, db);

    this.monitoring = new Monitoring(this, 'Monitoring', { alarmEmail: config.alarmEmail });
    this.alarmsAndDashboard();
    this.outputs(stage.url, appsSecret, accessTokenSecret);
    this.acknowledgeNagFindings(appsSecret, accessTokenSecret, migrations);
  }

  /** A VPC for a managed database (or the service), an imported one, or none. */
  private network(): Network {
    const { database, mode } = this.config;
    if (database.kind === 'existing') {
      if (database.vpc) {
        this.checkEgress(database.vpc);
        const vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
          vpcId: database.vpc.vpcId,
          availabilityZones: database.vpc.availabilityZones,
          privateSubnetIds: database.vpc.privateSubnetIds,
        });
        return { vpc, clientSubnets: { subnets: vpc.privateSubnets } };
      }
      if (mode === 'lambda') return {};
    }
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', {
      retention: this.config.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: database.kind === 'existing' ? 1 : database.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Claim-check reads stay on the AWS network and cost no NAT data processing.
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        rejected: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.REJECT,
        },
      },
    });
    return { vpc, clientSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } };
  }

  /**
   * The consumers in an existing VPC call the Graph API, OpenAI and AWS APIs:
   * each configured subnet needs a default route through a NAT (or transit)
   * gateway. Checked from a context lookup of the VPC (the CLI fetches it on
   * the first synth and caches it in cdk.context.json); a stack without a
   * concrete account and region cannot look it up, and synth warns instead.
   */
  private checkEgress(vpc: ExistingVpc): void {
    const unchecked = (why: string) =>
      Annotations.of(this).addWarningV2(
        'waba:vpc-egress-unchecked',
        `database.vpc ${vpc.vpcId}: the private subnets' route to the internet is not checked (${why}); without a NAT route the consumers time out calling the Graph API, OpenAI and AWS APIs (docs/deploy.md, "An existing VPC")`,
      );
    if (!vpc.checkEgress) return unchecked('database.vpc.checkEgress is false');
    if (Token.isUnresolved(this.account) || Token.isUnresolved(this.region)) {
      return unchecked('the stage has no env.account and env.region to look the VPC up in');
    }
    const found = vpcLookup(this, vpc.vpcId);
    // Undefined on the CLI's first pass: it looks the VPC up and synthesizes again.
    if (!found) return;
    const missing = privateSubnetsWithoutEgress(found, vpc.privateSubnetIds);
    if (missing.length > 0) {
      throw new Error(
        `database.vpc ${vpc.vpcId}: ${missing.map((m) => `${m.subnetId} (${m.reason})`).join(', ')} ` +
          'has no route to the internet through a NAT or transit gateway: the consumers would time out ' +
          'calling the Graph API, OpenAI and AWS APIs. Add a NAT route to those subnets or list others ' +
          '(run `cdk context --reset` after changing routes: the lookup is cached in cdk.context.json).',
      );
    }
  }

  /** An SSM-managed instance in the clients' subnets and security group: a tunnel to the database. */
  private bastion(network: Network, db: Database): void {
    if (!network.vpc) throw new Error('bastion: the database is not in a VPC');
    const bastion = new BastionHostLinux(this, 'Bastion', {
      vpc: network.vpc,
      subnetSelection: network.clientSubnets,
      securityGroup: db.clientSecurityGroup,
      instanceType: InstanceType.of(InstanceClass.T4G, InstanceSize.NANO),
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      requireImdsv2: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(8, { encrypted: true }) },
      ],
    });
    new CfnOutput(this, 'BastionInstanceId', {
      value: bastion.instanceId,
      description:
        'aws ssm start-session --target <id> --document-name AWS-StartPortForwardingSessionToRemoteHost',
    });
    acknowledge(bastion, 'AwsSolutions-EC28', 'A tunnel host: basic monitoring is enough.');
    acknowledge(
      bastion,
      'AwsSolutions-EC29',
      'A disposable tunnel host: nothing on it to protect from termination.',
    );
    for (const finding of ['Action::ssmmessages:*', 'Action::ec2messages:*', 'Resource::*']) {
      acknowledge(
        bastion,
        `AwsSolutions-IAM5[${finding}]`,
        'The Session Manager agent permissions BastionHostLinux grants (no resource-level permissions exist for them); the instance has no data permission.',
      );
    }
  }

  private alarmsAndDashboard(): void {
    const m = this.monitoring;
    const { config } = this;
    const fiveMinutes = Duration.minutes(5);
    const minute = Duration.minutes(1);
    const { ingest, answer, campaign } = this.queues;
    const queues = { Ingest: ingest, Answer: answer, Campaign: campaign };

    m.alarm('ApiServerErrors', {
      metric: this.api.metricServerError({ period: fiveMinutes, statistic: Stats.SUM }),
      threshold: 5,
      description: 'The webhook answered 5xx: Meta retries, but check the receiver and its secret',
    });
    m.alarm('ApiLatencyP99', {
      metric: this.api.metricLatency({ period: fiveMinutes, statistic: Monitoring.p99 }),
      threshold: 1000,
      evaluationPeriods: 3,
      description: 'p99 webhook latency above 1 s (Meta asks for under 1% above 1 s)',
    });
    for (const [name, pair] of Object.entries(queues)) {
      m.alarm(`${name}DlqNotEmpty`, {
        metric: pair.dlq.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 1,
        description: `${name} DLQ holds messages: inspect, fix, then redrive (docs/deploy.md)`,
      });
      m.alarm(`${name}DlqNearExpiry`, {
        metric: pair.dlq.metricApproximateAgeOfOldestMessage({
          period: fiveMinutes,
          statistic: Stats.MAXIMUM,
        }),
        threshold: DLQ_EXPIRY_WARNING_SECONDS,
        description: `${name} DLQ: a message has waited 10 days; SQS drops it 14 days after it was first enqueued: redrive or export it`,
      });
    }
    m.alarm('IngestBacklogAge', {
      metric: ingest.queue.metricApproximateAgeOfOldestMessage({
        period: minute,
        statistic: Stats.MAXIMUM,
      }),
      threshold: config.ingestAgeAlarmSeconds,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: 'Webhooks wait in the ingest queue: the processor is down, throttled or slow',
    });
    const fns = Object.entries(this.functions).filter(
      (e): e is [string, WabaFunction] => e[1] !== undefined && e[0] !== 'migrate',
    );
    for (const [name, fn] of fns) {
      m.alarm(`${capitalize(name)}Errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: Stats.SUM }),
        threshold: 1,
        description: `${name} failed whole invocations (a thrown error, a timeout, a database outage)`,
      });
    }
    const answerLogs = this.functions.answerWorker?.logs ?? this.service?.logs;
    if (answerLogs) {
      logAlarm(m, 'AnswersNotSent', {
        logGroup: answerLogs,
        pattern: ANSWER_NOT_SENT_PATTERN,
        metricName: 'AnswersNotSent',
        period: fiveMinutes,
        threshold: 1,
        description:
          'The answer worker gave up on replies (Meta refused them, or the Graph API token is a placeholder, expired or revoked): read its log, check the token secret',
      });
    }
    m.misroutedWebhooksAlarm(
      [this.functions.processor?.logs, this.service?.logs].filter((g) => g !== undefined),
    );
    m.alarm('ReceiverThrottles', {
      metric: this.functions.receiver.metricThrottles({
        period: fiveMinutes,
        statistic: Stats.SUM,
      }),
      threshold: 1,
      description:
        'The receiver was throttled: webhooks got 5xx (raise reserved or account concurrency)',
    });
    const dbm = this.database.metrics;
    if (dbm.cpu) {
      m.alarm('DatabaseCpu', {
        metric: dbm.cpu.with({ period: fiveMinutes, statistic: Stats.AVERAGE }),
        threshold: 80,
        evaluationPeriods: 3,
        description: 'Postgres CPU above 80% for 15 minutes',
      });
    }
    if (dbm.connections) {
      m.alarm('DatabaseConnections', {
        metric: dbm.connections.with({ period: fiveMinutes, statistic: Stats.MAXIMUM }),
        threshold: Math.ceil(this.plan.budget * 0.9),
        evaluationPeriods: 2,
        description: `Postgres connections near the budget of ${this.plan.budget}`,
      });
    }
    if (dbm.freeableMemory) {
      m.alarm('DatabaseMemory', {
        metric: dbm.freeableMemory.with({ period: fiveMinutes, statistic: Stats.MINIMUM }),
        threshold: 100 * 1024 * 1024,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        description: 'Postgres has less than 100 MiB of freeable memory',
      });
    }
    if (this.service) {
      const s = this.service;
      m.alarm('ServiceRunningTasks', {
        metric: new Metric({
          namespace: 'ECS/ContainerInsights',
          metricName: 'RunningTaskCount',
          period: minute,
          statistic: Stats.MINIMUM,
          dimensionsMap: {
            ClusterName: s.cluster.clusterName,
            ServiceName: s.service.serviceName,
          },
        }),
        threshold: config.service!.minTasks,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.BREACHING,
        description: 'Fewer pipeline tasks run than the configured minimum',
      });
    }

    // Dashboard: the path of a webhook, top to bottom.
    const G = Monitoring.graph;
    m.row('Webhooks (API Gateway → receiver)', [
      G('Requests and errors', [this.api.metricCount({ period: minute })], {
        right: [
          this.api.metricClientError({ period: minute }),
          this.api.metricServerError({ period: minute }),
        ],
      }),
      G('API latency (ms)', [
        this.api.metricLatency({ period: minute, statistic: Monitoring.p50 }),
        this.api.metricLatency({ period: minute, statistic: Monitoring.p99 }),
      ]),
      G('Receiver duration (ms)', [
        this.functions.receiver.metricDuration({ period: minute, statistic: Monitoring.p50 }),
        this.functions.receiver.metricDuration({ period: minute, statistic: Monitoring.p99 }),
      ]),
    ]);
    m.row('Queues', [
      G(
        'Messages waiting',
        Object.entries(queues).map(([name, p]) =>
          p.queue.metricApproximateNumberOfMessagesVisible({ period: minute, label: name }),
        ),
      ),
      G(
        'Oldest message (s)',
        Object.entries(queues).map(([name, p]) =>
          p.queue.metricApproximateAgeOfOldestMessage({ period: minute, label: name }),
        ),
      ),
      G(
        'Dead-lettered',
        Object.entries(queues).map(([name, p]) =>
          p.dlq.metricApproximateNumberOfMessagesVisible({ period: minute, label: `${name} DLQ` }),
        ),
      ),
    ]);
    if (this.service) {
      const svc = this.service.service;
      m.row('Pipeline service (Fargate)', [
        G('CPU and memory (%)', [
          svc.metricCpuUtilization({ period: minute }),
          svc.metricMemoryUtilization({ period: minute }),
        ]),
      ]);
    } else {
      m.row(
        'Functions',
        fns
          .filter(([name]) => name !== 'receiver')
          .map(([name, fn]) =>
            G(
              name,
              [
                fn.metricInvocations({ period: minute }),
                fn.metricErrors({ period: minute }),
                fn.metricThrottles({ period: minute }),
              ],
              {
                right: [fn.metricDuration({ period: minute, statistic: Monitoring.p99 })],
              },
            ),
          ),
      );
    }
    if (dbm.cpu && dbm.connections && dbm.freeableMemory) {
      m.row('Postgres', [
        G('CPU (%)', [dbm.cpu.with({ period: minute })]),
        G('Connections', [dbm.connections.with({ period: minute, statistic: Stats.MAXIMUM })], {
          annotations: [{ value: this.plan.budget, label: 'connection budget' }],
        }),
        G('Freeable memory (bytes)', [dbm.freeableMemory.with({ period: minute })]),
      ]);
    }
  }

  private outputs(stageUrl: string, appsSecret: ISecret, accessTokenSecret: ISecret): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('WebhookUrl', `${stageUrl}webhook`, 'Callback URL for Meta\'s dashboard (app "default")');
    out(
      'WebhookUrlPerApp',
      `${stageUrl}webhook/{appId}`,
      'Callback URL of another Meta app listed in the apps secret',
    );
    out('WhatsappAppsSecretArn', appsSecret.secretArn, 'Fill in: app secrets and verify tokens');
    out('WhatsappAccessTokenSecretArn', accessTokenSecret.secretArn, 'Fill in: Graph API token');
    out(
      'DatabaseSecretArn',
      this.database.secret.secretArn,
      'Postgres credentials (RDS-style JSON)',
    );
    if (this.database.host) {
      out(
        'DatabaseHost',
        this.database.host,
        'What the pipeline connects to (RDS Proxy or endpoint)',
      );
    }
    if (this.database.clientSecurityGroup && this.config.database.kind === 'existing') {
      out(
        'DatabaseClientSecurityGroupId',
        this.database.clientSecurityGroup.securityGroupId,
        'Allow this group on your database (port 5432)',
      );
    }
    for (const [name, pair] of Object.entries(this.queues)) {
      const title = capitalize(name);
      out(`${title}QueueUrl`, pair.queue.queueUrl, `${name} queue`);
      out(`${title}DlqUrl`, pair.dlq.queueUrl, `${name} dead-letter queue`);
      out(`${title}DlqArn`, pair.dlq.queueArn, `source ARN for aws sqs start-message-move-task`);
    }
    out('PayloadBucketName', this.payloads.bucketName, 'Claim-checked webhook bodies');
    out(
      'MaintenanceFunctionName',
      this.functions.maintenance.functionName,
      "Partition maintenance; npm run smoke asks it for a webhook's audit row",
    );
    out(
      'SmokeTestPolicyArn',
      this.smokeTestPolicy(appsSecret).managedPolicyArn,
      'Attach to whoever runs npm run smoke (nothing else needed)',
    );
    out('AlarmTopicArn', this.monitoring.topic.topicArn, 'Subscribe to receive alarms');
    out(
      'DashboardUrl',
      `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      'CloudWatch dashboard',
    );
    if (this.service) {
      out(
        'ServiceClusterName',
        this.service.cluster.clusterName,
        'ECS cluster (ECS Exec for the CLI)',
      );
      out('ServiceName', this.service.service.serviceName, 'ECS service running the consumers');
    }
  }

  /**
   * Everything `npm run smoke` needs, and no more: this stack's outputs, the apps
   * secret (to sign its test webhook and answer the challenge), and invoking the
   * maintenance function, which answers `find-audit` with an audit row's outcome.
   */
  private smokeTestPolicy(appsSecret: ISecret): ManagedPolicy {
    return new ManagedPolicy(this, 'SmokeTestPolicy', {
      description: `npm run smoke -- --stage ${this.config.stage}: stack outputs, apps secret, audit lookup`,
      statements: [
        new PolicyStatement({
          actions: ['cloudformation:DescribeStacks'],
          resources: [this.stackId],
        }),
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [appsSecret.secretArn],
        }),
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.functions.maintenance.functionArn],
        }),
      ],
    });
  }

  /** cdk-nag findings that do not apply here, each with its reason. */
  private acknowledgeNagFindings(
    appsSecret: ISecret,
    accessTokenSecret: ISecret,
    migrations: Migrations,
  ): void {
    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      'Meta cannot sign in to IAM, Cognito or a JWT authorizer: every POST is authenticated by its X-Hub-Signature-256 HMAC over the raw body, every GET by the verify token, in the receiver.',
    );
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose (ARCHITECTURE.md: the code also runs on Node 20, as CI and the local stack do); moving to nodejs24.x is a deliberate upgrade, not a drift.',
    );
    acknowledge(
      this,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "Lambda's managed logging policy (CreateLogStream/PutLogEvents); data permissions are separate least-privilege statements.",
    );
    acknowledge(
      this,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      "Lambda's managed policy for the network interfaces of functions in a VPC; EC2 scopes those actions itself.",
    );
    acknowledge(
      this,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.payloads.node.defaultChild as CfnBucket)}.Arn>/webhooks/*]`,
      'Object-level access to the claim-check prefix only: every object key is a new payload (webhooks/<date>/<sha256>.json).',
    );
    acknowledge(
      migrations.provider,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(migrations.fn.node.defaultChild as CfnFunction)}.Arn>:*]`,
      'The CDK Provider framework invokes its onEvent function by any version or alias of that one function.',
    );
    for (const secret of [appsSecret, accessTokenSecret]) {
      acknowledge(
        secret,
        'AwsSolutions-SMG4',
        "Issued by Meta (app secrets, system user token): rotated in Meta's dashboard, then put here; the receiver accepts two app secrets during a rotation (docs/deploy.md).",
      );
    }
    const db = this.config.database;
    if (db.kind !== 'existing') {
      acknowledge(
        this.database,
        'AwsSolutions-SMG4',
        'Automatic rotation would change the password under the warm connection pools of every function and task; rotate with the documented procedure (docs/deploy.md), which recycles them.',
      );
      if (db.kind === 'aurora-serverless-v2') {
        acknowledge(
          this.database,
          'AwsSolutions-RDS6',
          'Clients authenticate with the generated password from Secrets Manager (through RDS Proxy when enabled); IAM database tokens would need a signer in every client and cap new connections per second.',
        );
      }
      acknowledge(
        this.database,
        'AwsSolutions-RDS11',
        "A non-default port adds no security: Postgres is in isolated subnets and admits only the pipeline's security groups.",
      );
      if (db.kind === 'rds' && !db.multiAz) {
        acknowledge(
          this.database,
          'AwsSolutions-RDS3',
          `Stage ${this.config.stage} runs a single-AZ instance by configuration (database.multiAz) to save cost.`,
        );
      }
      if (!db.deletionProtection) {
        acknowledge(
          this.database,
          'AwsSolutions-RDS10',
          `Stage ${this.config.stage} is disposable by configuration (database.deletionProtection false).`,
        );
      } else if (this.config.firstDeploy) {
        acknowledge(
          this.database,
          'AwsSolutions-RDS10',
          'First deploy (firstDeploy): protection is turned on by the next deploy, once the stack exists, so that a failed first attempt rolls back completely.',
        );
      }
    }
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The logical id of a bucket, as cdk-nag names it in IAM5 findings. */
export function bucketToken(stack: Stack, bucket: Bucket): string {
  return stack.getLogicalId(bucket.node.defaultChild as CfnBucket);
}
