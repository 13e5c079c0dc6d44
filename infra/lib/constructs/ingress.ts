import { CfnOutput, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { receiverEnvSchema } from '@waba/webhook-receiver/env';
import { envFor } from '@waba/whatsapp';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { acknowledge } from '../nag';
import type { PipelineData } from './data';
import { grantSecretRead } from './imported-secret';
import { WabaFunction, type LogSettings } from './waba-function';

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

export interface IngressProps {
  config: StageConfig;
  data: PipelineData;
  logs: LogSettings;
}

/**
 * Where Meta's webhooks come in: the HTTP API (throttled, access-logged,
 * `/webhook` and `/webhook/{appId}`) and the receiver Lambda behind it,
 * which verifies the signature, claim-checks large bodies and enqueues.
 *
 * Its resources are created in `scope` itself (see Network): their logical
 * IDs stay those of a deployed stack.
 */
export class Ingress extends Construct {
  readonly receiver: WabaFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    const { config, data, logs } = props;
    const ingest = data.queues.ingest;
    this.receiver = new WabaFunction(scope, 'Receiver', {
      description: 'Meta webhook receiver: verify the signature, enqueue, answer 200',
      bundle: 'receiver',
      memoryMiB: config.receiver.memoryMiB,
      timeoutSeconds: config.receiver.timeoutSeconds,
      reservedConcurrentExecutions: config.receiver.reservedConcurrency,
      environment: envFor(receiverEnvSchema, {
        INGEST_QUEUE_URL: ingest.queue.queueUrl,
        PAYLOAD_BUCKET: data.payloads.bucketName,
        WHATSAPP_APPS_SECRET_ARN: data.appsSecret.secretArn,
        SQS_MAX_MESSAGE_BYTES: config.receiver.claimCheckBytes,
      }),
      ...logs,
    });
    ingest.queue.grantSendMessages(this.receiver);
    this.receiver.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.payloadObjects] }),
    );
    grantSecretRead(data.appsSecret, this.receiver);

    this.api = new HttpApi(scope, 'Api', {
      apiName: `${Stack.of(scope).stackName}-webhooks`,
      description: 'WhatsApp Business Cloud API webhooks',
      createDefaultStage: false,
    });
    const accessLogGroup = new LogGroup(scope, 'ApiAccessLogs', {
      retention: logs.logRetention,
      removalPolicy: logs.logRemovalPolicy,
    });
    this.stage = new HttpStage(scope, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.rateLimit, burstLimit: config.api.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new HttpLambdaIntegration('Receiver', this.receiver);
    for (const path of ['/webhook', '/webhook/{appId}']) {
      this.api.addRoutes({ path, methods: [HttpMethod.GET, HttpMethod.POST], integration });
    }

    const url = this.stage.url;
    new CfnOutput(scope, 'WebhookUrl', {
      value: `${url}webhook`,
      description: 'Callback URL for Meta\'s dashboard (app "default")',
    });
    new CfnOutput(scope, 'WebhookUrlPerApp', {
      value: `${url}webhook/{appId}`,
      description: 'Callback URL of another Meta app listed in the apps secret',
    });
    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      'Meta cannot sign in to IAM, Cognito or a JWT authorizer: every POST is authenticated by its X-Hub-Signature-256 HMAC over the raw body, every GET by the verify token, in the receiver.',
    );
  }
}
