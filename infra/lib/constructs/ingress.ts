import { CfnOutput, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IMetric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  FunctionUrlAuthType,
  InvokeMode,
  LoggingFormat,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
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

/** The webhook endpoint's request metrics, whichever front door serves it. */
export interface IngressMetrics {
  /** Where the requests are counted, for the dashboard's titles. */
  readonly name: string;
  count(options: MetricOptions): IMetric;
  clientErrors(options: MetricOptions): IMetric;
  serverErrors(options: MetricOptions): IMetric;
  latency(options: MetricOptions): IMetric;
}

export interface IngressProps {
  config: StageConfig;
  data: PipelineData;
  logs: LogSettings;
}

/**
 * Where Meta's webhooks come in: the HTTP API (throttled, access-logged,
 * `/webhook` and `/webhook/{appId}`) or, with `ingress: 'function-url'`, the
 * receiver's own function URL (no per-request charge; the receiver matches
 * the paths itself and its reserved concurrency is the throttle), and the
 * receiver Lambda behind either, which verifies the signature, claim-checks
 * large bodies and enqueues.
 *
 * Its resources are created in `scope` itself (see Network): their logical
 * IDs stay those of a deployed stack.
 */
export class Ingress extends Construct {
  readonly receiver: WabaFunction;
  /** The HTTP API (ingress `http-api` only). */
  readonly api?: HttpApi;
  readonly stage?: HttpStage;
  readonly metrics: IngressMetrics;

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
        SUCCESS_LOG_SAMPLE_RATE: config.receiver.successLogSampleRate,
      }),
      // JSON format with system level WARN drops Lambda's START/END/REPORT lines; the
      // receiver's own pino lines pass unchanged (level INFO to Lambda's filter).
      ...(!config.receiver.platformLogs && {
        loggingFormat: LoggingFormat.JSON,
        systemLogLevelV2: SystemLogLevel.WARN,
      }),
      ...logs,
    });
    ingest.queue.grantSendMessages(this.receiver);
    this.receiver.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.payloadObjects] }),
    );
    grantSecretRead(data.appsSecret, this.receiver);

    if (config.ingress === 'function-url') {
      this.metrics = this.functionUrl(scope);
    } else {
      const { api, stage } = this.httpApi(scope, config, logs);
      this.api = api;
      this.stage = stage;
      this.metrics = {
        name: 'API Gateway',
        count: (o) => api.metricCount(o),
        clientErrors: (o) => api.metricClientError(o),
        serverErrors: (o) => api.metricServerError(o),
        latency: (o) => api.metricLatency(o),
      };
    }
  }

  /**
   * The receiver's function URL, open to the internet as Meta needs it (every
   * POST is authenticated by its signature). CDK grants both permissions AWS
   * requires of a public URL since October 2025: lambda:InvokeFunctionUrl and
   * lambda:InvokeFunction with lambda:InvokedViaFunctionUrl.
   */
  private functionUrl(scope: Construct): IngressMetrics {
    const url = this.receiver.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.callbackOutputs(scope, url.url);
    const fn = this.receiver;
    return {
      name: 'function URL',
      count: (o) => fn.metric('UrlRequestCount', { statistic: 'Sum', ...o }),
      clientErrors: (o) => fn.metric('Url4xxCount', { statistic: 'Sum', ...o }),
      serverErrors: (o) => fn.metric('Url5xxCount', { statistic: 'Sum', ...o }),
      latency: (o) => fn.metric('UrlRequestLatency', o),
    };
  }

  private httpApi(
    scope: Construct,
    config: StageConfig,
    logs: LogSettings,
  ): { api: HttpApi; stage: HttpStage } {
    const api = new HttpApi(scope, 'Api', {
      apiName: `${Stack.of(scope).stackName}-webhooks`,
      description: 'WhatsApp Business Cloud API webhooks',
      createDefaultStage: false,
    });
    const accessLogGroup = new LogGroup(scope, 'ApiAccessLogs', {
      retention: logs.logRetention,
      removalPolicy: logs.logRemovalPolicy,
    });
    const stage = new HttpStage(scope, 'ApiStage', {
      httpApi: api,
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
      api.addRoutes({ path, methods: [HttpMethod.GET, HttpMethod.POST], integration });
    }

    this.callbackOutputs(scope, stage.url);
    acknowledge(
      api,
      'AwsSolutions-APIG4',
      'Meta cannot sign in to IAM, Cognito or a JWT authorizer: every POST is authenticated by its X-Hub-Signature-256 HMAC over the raw body, every GET by the verify token, in the receiver.',
    );
    return { api, stage };
  }

  /** The callback URLs for Meta's dashboard, the same outputs whichever ingress serves them. */
  private callbackOutputs(scope: Construct, url: string): void {
    new CfnOutput(scope, 'WebhookUrl', {
      value: `${url}webhook`,
      description: 'Callback URL for Meta\'s dashboard (app "default")',
    });
    new CfnOutput(scope, 'WebhookUrlPerApp', {
      value: `${url}webhook/{appId}`,
      description: 'Callback URL of another Meta app listed in the apps secret',
    });
  }
}
