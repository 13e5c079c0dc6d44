import { Duration, IgnoreMode, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { AdjustmentType } from 'aws-cdk-lib/aws-applicationautoscaling';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  ExecuteCommandLogging,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { LogGroup, type CfnLogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { acknowledge } from '../nag';
import { REPO_ROOT } from '../paths';

/** The build context is the repository root; only sources and lockfile go to Docker. */
const BUILD_CONTEXT_EXCLUDES = [
  '**/node_modules',
  '**/cdk.out',
  '**/coverage',
  '**/dist',
  '.git',
  '.data',
  'bench',
  'docs',
  '**/tests',
  '**/*.test.ts',
];

export interface PipelineServiceProps {
  config: NonNullable<StageConfig['service']>;
  vpc: IVpc;
  vpcSubnets: SubnetSelection;
  securityGroups: ISecurityGroup[];
  environment: Record<string, string>;
  /** Scaled on: the ingest queue's backlog. */
  ingestQueue: IQueue;
  /** Seconds the task gets to finish its batches after SIGTERM (Fargate allows up to 120). */
  stopTimeoutSeconds: number;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The long-running mode: one Fargate service (arm64) running
 * consumer-service/src/service.ts, which polls the ingest, answer and campaign queues
 * with the same cores the Lambdas run. Scales out on the ingest backlog;
 * ECS Exec is on so operators can run the CLI inside a task.
 */
export class PipelineService extends Construct {
  readonly cluster: Cluster;
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineServiceProps) {
    super(scope, id);
    const { config } = props;
    this.logs = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ContainerInsights.ENHANCED,
      // ECS Exec sessions (operators running the CLI) are logged next to the service's logs.
      executeCommandConfiguration: {
        logging: ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: this.logs },
      },
    });
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: config.cpu,
      memoryLimitMiB: config.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    this.taskDefinition.addContainer('Pipeline', {
      image: ContainerImage.fromAsset(REPO_ROOT, {
        file: 'infra/container/Dockerfile',
        platform: Platform.LINUX_ARM64,
        exclude: BUILD_CONTEXT_EXCLUDES,
        ignoreMode: IgnoreMode.DOCKER,
      }),
      environment: props.environment,
      logging: LogDrivers.awsLogs({ logGroup: this.logs, streamPrefix: 'pipeline' }),
      stopTimeout: Duration.seconds(props.stopTimeoutSeconds),
      essential: true,
    });
    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: config.minTasks,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      assignPublicIp: false,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: true,
    });
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: config.minTasks,
      maxCapacity: config.maxTasks,
    });
    scaling.scaleOnMetric('IngestBacklog', {
      metric: props.ingestQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: Math.max(1, Math.floor(config.scaleOutBacklogPerTask / 10)), change: -1 },
        { lower: config.scaleOutBacklogPerTask, change: +1 },
        { lower: config.scaleOutBacklogPerTask * 5, change: +2 },
      ],
      cooldown: Duration.minutes(2),
    });

    acknowledge(
      this.taskDefinition,
      'AwsSolutions-ECS2',
      'The environment holds configuration only (queue URLs, sizes, secret ARNs); the secrets themselves are read from Secrets Manager by ARN at start.',
    );
    acknowledge(
      this.taskDefinition.taskRole,
      'AwsSolutions-IAM5[Resource::*]',
      'ECS Exec: the ssmmessages channel actions and logs:DescribeLogGroups have no resource-level permissions.',
    );
    acknowledge(
      this.taskDefinition.taskRole,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${Stack.of(this).getLogicalId(this.logs.node.defaultChild as CfnLogGroup)}>:*]`,
      "ECS Exec writes session logs to the service's own log group (its streams are not known in advance).",
    );
    acknowledge(
      this.taskDefinition.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are scoped to the asset repository.',
    );
  }
}
