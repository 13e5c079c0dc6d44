import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { GRAPH_TOKEN_PLACEHOLDER } from '@waba/whatsapp';
import type { StageConfig } from './config/schema';
import { connectionPlan, type ConnectionPlan } from './config/sizing';
import { Consumers } from './constructs/consumers';
import { PipelineData, type PipelineQueues } from './constructs/data';
import type { Database } from './constructs/database';
import { Ingress } from './constructs/ingress';
import type { Monitoring } from './constructs/monitoring';
import { Network } from './constructs/network';
import { Observability, type PipelineFunctions } from './constructs/observability';
import type { PipelineService } from './constructs/pipeline-service';
import { acknowledge } from './nag';

export interface PipelineStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The Graph API token secret holds GRAPH_TOKEN_PLACEHOLDER until an operator
 * puts a real token: a value every consumer refuses (isPlaceholderSecret),
 * where a random string would be sent to Meta and refused with 190.
 */
export { GRAPH_TOKEN_PLACEHOLDER };

/**
 * The whole pipeline in one stack: API Gateway (HTTP API) → receiver Lambda
 * → ingest queue → processor → Postgres, answer queue → answer worker,
 * campaign queue → campaign sender, media queue → media archiver → media
 * bucket, each queue with its DLQ; claim-check bucket, secrets, migrations
 * on deploy, alarms, dashboard. In `service`
 * mode one Fargate service replaces the three SQS-triggered Lambdas.
 *
 * The stack composes its parts (lib/constructs): Network, PipelineData
 * (database, queues, bucket, secrets), Ingress (HTTP API or function URL, and the receiver),
 * Consumers (migrations, maintenance, the queue consumers) and
 * Observability (alarms, dashboard). Each creates its resources in the
 * stack itself, so the logical IDs are those of deployed stacks.
 */
export class PipelineStack extends Stack {
  readonly config: StageConfig;
  readonly plan: ConnectionPlan;
  readonly queues: PipelineQueues;
  readonly functions: PipelineFunctions;
  readonly database: Database;
  readonly payloads: Bucket;
  /** The HTTP API (ingress `http-api` only). */
  readonly api?: HttpApi;
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

    // Retained, except when the stack's creation rolls back: a failed first deploy leaves
    // nothing behind that the next attempt would collide with or pay for.
    const dataRemoval = config.retainData
      ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
      : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const logs = { logRetention, logRemovalPolicy: dataRemoval };

    const network = new Network(this, 'Network', { config });
    const data = new PipelineData(this, 'Data', {
      config,
      network,
      removalPolicy: dataRemoval,
      logRetention,
    });
    this.database = data.database;
    this.payloads = data.payloads;
    this.queues = data.queues;

    const ingress = new Ingress(this, 'Ingress', { config, data, logs });
    this.api = ingress.api;

    const consumers = new Consumers(this, 'Consumers', {
      config,
      plan: this.plan,
      network,
      data,
      logs,
    });
    this.service = consumers.service;
    this.functions = {
      receiver: ingress.receiver,
      migrate: consumers.migrations.fn,
      maintenance: consumers.maintenance,
      ...(consumers.processor && { processor: consumers.processor }),
      ...(consumers.answerWorker && { answerWorker: consumers.answerWorker }),
      ...(consumers.campaignSender && { campaignSender: consumers.campaignSender }),
      mediaArchiver: consumers.mediaArchiver,
      mediaSweep: consumers.mediaSweep,
    };

    if (config.bastion) network.addBastion(data.database.clientSecurityGroup);

    this.monitoring = new Observability(this, 'Observability', {
      config,
      plan: this.plan,
      ingress: ingress.metrics,
      queues: this.queues,
      functions: this.functions,
      database: this.database,
      service: this.service,
    }).monitoring;

    new CfnOutput(this, 'SmokeTestPolicyArn', {
      value: this.smokeTestPolicy(data.appsSecret).managedPolicyArn,
      description: 'Attach to whoever runs npm run smoke (nothing else needed)',
    });
    this.acknowledgeNagFindings();
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

  /** cdk-nag findings on every function of the stack that do not apply here, each with its reason. */
  private acknowledgeNagFindings(): void {
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
  }
}
