import { Match } from 'aws-cdk-lib/assertions';
import type { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { MISROUTED_LOG_MESSAGE } from '@waba/db-processor';
import { parseStageConfig } from '../lib/config/schema';
import { visibilityTimeoutSeconds } from '../lib/config/sizing';
import { ANSWER_NOT_SENT_PATTERN } from '../lib/log-patterns';
import {
  resourcesOf,
  serviceModeInput,
  statefulLogicalIds,
  synth,
  templateFindings,
  type Synthesized,
} from './helpers/synth';
import STATEFUL_IDS from './fixtures/stateful-logical-ids.json';

/** Service mode on Aurora Serverless v2 without a proxy, with the bastion. */
const input = serviceModeInput({ bastion: true });
const config = parseStageConfig(input);
let s: Synthesized;

beforeAll(() => {
  s = synth(input, { bundle: false });
}, 120_000);
afterAll(() => s?.dispose());

const containerEnv = (): Record<string, unknown> => {
  const [task] = Object.values(resourcesOf(s.template, 'AWS::ECS::TaskDefinition'));
  const [container] = task!.Properties!.ContainerDefinitions as Array<{
    Environment: Array<{ Name: string; Value: unknown }>;
  }>;
  return Object.fromEntries(container!.Environment.map((e) => [e.Name, e.Value]));
};

describe('PipelineStack (service mode, Aurora Serverless v2)', () => {
  it('the Fargate service replaces the SQS-triggered Lambdas (the media archiver stays one)', () => {
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(s.stack.functions.processor).toBeUndefined();
    expect(s.stack.functions.answerWorker).toBeUndefined();
    expect(s.stack.functions.campaignSender).toBeUndefined();
    s.template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: config.service!.minTasks,
      EnableExecuteCommand: true,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }),
      },
    });
  });

  it('an arm64 task that gets the longest stop timeout to finish its batches', () => {
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: String(config.service!.cpu),
      Memory: String(config.service!.memoryMiB),
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 120 })],
    });
  });

  it('the container polls the three queues with the configured sizes and one pool', () => {
    expect(containerEnv()).toMatchObject({
      INGEST_QUEUE_URL: { Ref: expect.stringMatching(/^IngestQueue/) },
      ANSWER_QUEUE_URL: { Ref: expect.stringMatching(/^AnswerQueue/) },
      CAMPAIGN_QUEUE_URL: { Ref: expect.stringMatching(/^CampaignQueue/) },
      INGEST_BATCH_SIZE: String(config.processor.batchSize),
      INGEST_CONCURRENCY: String(config.service!.ingestConcurrency),
      INGEST_TIMEOUT_SECONDS: String(config.processor.timeoutSeconds),
      DB_POOL_MAX: String(config.service!.dbPoolMax),
      DATABASE_SECRET_ARN: expect.anything(),
      WHATSAPP_ACCESS_TOKEN_SECRET_ARN: expect.anything(),
    });
  });

  it('the container calls Graph at the configured version', () => {
    expect(containerEnv().WHATSAPP_GRAPH_VERSION).toBe(config.graphVersion);
  });

  it('without RDS Proxy, clients verify the RDS certificate with the bundled CA', () => {
    expect(containerEnv()).toMatchObject({
      NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/rds-global-bundle.pem',
      DATABASE_SSLMODE: 'verify-full',
    });
    expect(containerEnv().DATABASE_HOST).toBeUndefined();
    s.template.resourceCountIs('AWS::RDS::DBProxy', 0);
    expect(s.stack.functions.migrate).toBeDefined();
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }),
      },
    });
  });

  it('the visibility timeouts still follow the consumers timeouts', () => {
    for (const [name, consumer] of [
      ['Ingest', config.processor],
      ['Answer', config.answerWorker],
      ['Campaign', config.campaignSender],
    ] as const) {
      const [, queue] = Object.entries(resourcesOf(s.template, 'AWS::SQS::Queue')).find(
        ([id, q]) => id.startsWith(`${name}Queue`) && q.Properties!.RedrivePolicy,
      )!;
      expect(queue.Properties!.VisibilityTimeout).toBe(visibilityTimeoutSeconds(consumer));
    }
  });

  it('the task role may consume every queue and read the secrets', () => {
    const roleId = Object.keys(resourcesOf(s.template, 'AWS::IAM::Role')).find((id) =>
      id.startsWith('ServiceTaskTaskRole'),
    )!;
    const [, policy] = Object.entries(resourcesOf(s.template, 'AWS::IAM::Policy')).find(([, p]) =>
      JSON.stringify(p.Properties!.Roles).includes(roleId),
    )!;
    const json = JSON.stringify(policy.Properties!.PolicyDocument);
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
      's3:GetObject',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(json).toContain(action);
    }
  });

  it('scales on the ingest backlog between the configured task counts', () => {
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: config.service!.minTasks,
      MaxCapacity: config.service!.maxTasks,
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue'), 'QueueName'] },
        },
      ],
      Threshold: config.service!.scaleOutBacklogPerTask,
    });
    expect(s.stack.plan.service!.connections).toBeLessThanOrEqual(
      config.connectionBudget - config.reservedConnections,
    );
  });

  it('alarms when fewer tasks run than the minimum', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
      Threshold: config.service!.minTasks,
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  it("counts misrouted webhook items from the service's log line (no processor Lambda here)", () => {
    const logs = s.stack.getLogicalId(s.stack.service!.logs.node.defaultChild as CfnLogGroup);
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logs },
      FilterPattern: `{ $.msg = "${MISROUTED_LOG_MESSAGE}" }`,
    });
  });

  it('Aurora Serverless v2: encrypted, a writer and a reader, within the configured capacity', () => {
    s.template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
    });
    s.template.resourceCountIs('AWS::RDS::DBInstance', 2);
  });

  it('a bastion for SSM port forwarding: IMDSv2, encrypted disk, no inbound rule', () => {
    s.template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
    });
    s.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
    s.template.hasOutput('BastionInstanceId', { Value: Match.anyValue() });
  });

  it('outputs the cluster and service for ECS Exec', () => {
    s.template.hasOutput('ServiceClusterName', { Value: Match.anyValue() });
    s.template.hasOutput('ServiceName', { Value: Match.anyValue() });
  });

  it('the migrations wait for the Aurora writer, not only the cluster', () => {
    const [migrations] = Object.values(resourcesOf(s.template, 'Custom::WabaMigrations'));
    const writer = Object.keys(resourcesOf(s.template, 'AWS::RDS::DBInstance')).find((id) =>
      id.includes('Writer'),
    )!;
    expect([migrations!.DependsOn ?? []].flat()).toContain(writer);
  });

  it('a pinned Aurora minor turns automatic minor upgrades off (no drift from the template)', () => {
    for (const instance of Object.values(resourcesOf(s.template, 'AWS::RDS::DBInstance'))) {
      expect(instance.Properties!.AutoMinorVersionUpgrade).toBe(false);
    }
    s.template.hasResourceProperties('AWS::RDS::DBCluster', { EngineVersion: '18.6' });
  });

  it("alarms on answers not sent from the service's log group", () => {
    const [logGroup] = Object.entries(resourcesOf(s.template, 'AWS::Logs::LogGroup')).find(([id]) =>
      id.startsWith('ServiceLogs'),
    )!;
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: ANSWER_NOT_SENT_PATTERN,
      LogGroupName: { Ref: logGroup },
    });
  });

  it('passes the template checks', () => {
    expect(templateFindings(s)).toEqual([]);
  });

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nagViolations).toEqual([]);
  });

  it('keeps the logical id of every stateful resource (a new id would replace it on deploy)', () => {
    expect(statefulLogicalIds(s.template)).toEqual(STATEFUL_IDS.service);
  });
});
