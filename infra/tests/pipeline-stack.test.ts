import { GRAPH_TOKEN_PLACEHOLDER, isPlaceholderSecret } from '@waba/whatsapp';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { MISROUTED_LOG_MESSAGE } from '@waba/db-processor';
import { loadStageConfig } from '../config';
import { CONSUMERS } from '../lib/config/sizing';
import { migrationsDigest } from '../lib/constructs/migrations';
import { ANSWER_NOT_SENT_PATTERN } from '../lib/log-patterns';
import {
  pipelineFunctionIds,
  refId,
  resourcesOf,
  stageInput,
  statefulLogicalIds,
  synth,
  templateFindings,
  type Synthesized,
} from './helpers/synth';
import STATEFUL_IDS from './fixtures/stateful-logical-ids.json';

/**
 * The context variables of HTTP APIs (API Gateway developer guide, "Customizing
 * HTTP API access logs"); REST-only ones such as $context.identity.caller or
 * $context.resourcePath log nothing on an HTTP API.
 */
const HTTP_API_CONTEXT = new Set([
  'accountId',
  'apiId',
  'authorizer.error',
  'authorizer.principalId',
  'awsEndpointRequestId',
  'awsEndpointRequestId2',
  'customDomain.basePathMatched',
  'dataProcessed',
  'domainName',
  'domainPrefix',
  'error.message',
  'error.messageString',
  'error.responseType',
  'extendedRequestId',
  'httpMethod',
  'identity.accountId',
  'identity.sourceIp',
  'identity.userAgent',
  'integration.error',
  'integration.integrationStatus',
  'integration.latency',
  'integration.requestId',
  'integration.status',
  'integrationErrorMessage',
  'integrationLatency',
  'integrationStatus',
  'path',
  'protocol',
  'requestId',
  'requestTime',
  'requestTimeEpoch',
  'responseLatency',
  'responseLength',
  'routeKey',
  'stage',
  'status',
]);

/** Actions on data: a wildcard resource or action on these would reach every queue, bucket, secret. */
const DATA_SERVICES = /^(sqs|s3|secretsmanager|kms|rds|rds-db|dynamodb|sns|lambda):/;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Props = Record<string, unknown>;

const config = loadStageConfig('dev');
let s: Synthesized;

// One synthesis (with esbuild bundling) for the whole file.
beforeAll(() => {
  s = synth(stageInput(), { bundle: true });
}, 180_000);
afterAll(() => s?.dispose());

const functions = () => resourcesOf(s.template, 'AWS::Lambda::Function');
const fnProps = (id: string) => functions()[id]!.Properties as Props;
const envOf = (id: string) =>
  (fnProps(id).Environment as { Variables: Record<string, unknown> }).Variables;
/** Our functions, not CDK's own (custom resource providers). */
const pipelineFunctions = () =>
  Object.entries(functions()).filter(([id]) => pipelineFunctionIds(s).includes(id));
const fnIdByEntry = (description: RegExp) =>
  pipelineFunctions().find(([, f]) => description.test(String(f.Properties?.Description)))![0];
const mappings = () => resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping');

describe('PipelineStack (lambda mode, dev stage)', () => {
  describe('webhook endpoint', () => {
    it('routes GET and POST /webhook and /webhook/{appId} to the receiver', () => {
      const routes = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')).map(
        (r) => r.Properties!.RouteKey,
      );
      expect(routes.sort()).toEqual([
        'GET /webhook',
        'GET /webhook/{appId}',
        'POST /webhook',
        'POST /webhook/{appId}',
      ]);
      s.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnIdByEntry(/receiver/), 'Arn'] },
      });
    });

    it('throttles the stage and writes access logs', () => {
      s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.api.rateLimit,
          ThrottlingBurstLimit: config.api.burstLimit,
        },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      });
    });

    it('access logs: one JSON line of HTTP API variables with route, status, latencies, errors', () => {
      const [stage] = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Stage'));
      const format = (stage!.Properties!.AccessLogSettings as { Format: string }).Format;
      const fields = JSON.parse(format) as Record<string, string>;
      expect(Object.values(fields)).toEqual(
        expect.arrayContaining([
          '$context.requestId',
          '$context.routeKey',
          '$context.status',
          '$context.integrationErrorMessage',
          '$context.responseLatency',
          '$context.integrationLatency',
        ]),
      );
      const used = [...format.matchAll(/\$context\.([A-Za-z0-9.]+)/g)].map((m) => m[1]!);
      expect(used.filter((v) => !HTTP_API_CONTEXT.has(v))).toEqual([]);
    });

    it('the API is named per stack', () => {
      s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'Waba-dev-webhooks' });
    });

    it('receiver: outside the VPC, enqueues, claim-checks to S3, reads the apps secret', () => {
      const id = fnIdByEntry(/receiver/);
      expect(fnProps(id).VpcConfig).toBeUndefined();
      expect(envOf(id)).toEqual(
        expect.objectContaining({
          INGEST_QUEUE_URL: expect.anything(),
          PAYLOAD_BUCKET: expect.anything(),
          WHATSAPP_APPS_SECRET_ARN: expect.anything(),
          SQS_MAX_MESSAGE_BYTES: String(config.receiver.claimCheckBytes),
        }),
      );
      expect(Object.keys(envOf(id))).not.toContain('DATABASE_SECRET_ARN');
    });
  });

  describe('secrets', () => {
    const secret = (prefix: string) =>
      Object.entries(resourcesOf(s.template, 'AWS::SecretsManager::Secret')).find(([id]) =>
        id.startsWith(prefix),
      )![1].Properties!;

    it('the Graph API token starts as an explicit placeholder, not a random string', () => {
      expect(secret('WhatsappAccessToken')).toMatchObject({
        SecretString: GRAPH_TOKEN_PLACEHOLDER,
      });
      // The value the consumers refuse to send with (they keep the job and log answer-not-sent).
      expect(isPlaceholderSecret(secret('WhatsappAccessToken').SecretString as string)).toBe(true);
      expect(secret('WhatsappAccessToken').GenerateSecretString).toBeUndefined();
    });

    it('the apps document starts empty: no app, every webhook refused', () => {
      expect(secret('WhatsappApps')).toMatchObject({ SecretString: '{}' });
    });
  });

  describe('functions', () => {
    it('eight functions of ours: receiver, processor, answer worker, campaign sender, migrations, maintenance, media archiver, media sweep', () => {
      expect(pipelineFunctions()).toHaveLength(8);
    });

    it('all run Node.js 22 on arm64, ESM bundles with source maps, with their own log group', () => {
      for (const [id, f] of pipelineFunctions()) {
        expect(f.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        expect(envOf(id).NODE_OPTIONS).toBe('--enable-source-maps');
        const logGroup = refId((f.Properties!.LoggingConfig as Props).LogGroup);
        expect(
          resourcesOf(s.template, 'AWS::Logs::LogGroup')[logGroup]!.Properties!.RetentionInDays,
        ).toBe(config.logRetentionDays);
      }
    });

    it('every bundle loads as ESM (as Lambda loads it, with its environment) and exports its handler', () => {
      for (const [id, f] of pipelineFunctions()) {
        const assetPath = (f as { Metadata?: Record<string, string> }).Metadata?.['aws:asset:path'];
        const file = join(s.outdir, assetPath!, 'index.mjs');
        expect(existsSync(file)).toBe(true);
        // The function's variables; deploy-time references become placeholders
        // of their kind (a queue URL is checked as a URL at cold start).
        const placeholder = (k: string) =>
          k.endsWith('_URL')
            ? `https://sqs.us-east-1.amazonaws.com/123456789012/${k}`
            : `${k}-value`;
        const fnEnv = Object.fromEntries(
          Object.entries(envOf(id)).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : placeholder(k),
          ]),
        );
        // A child process: jest's module system does not load ESM.
        const type = execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler);`,
          ],
          {
            encoding: 'utf8',
            env: {
              PATH: process.env.PATH,
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'test',
              AWS_SECRET_ACCESS_KEY: 'test',
              ...fnEnv,
              NODE_OPTIONS: '',
              LOG_LEVEL: 'silent',
            },
          },
        );
        expect({ id, type }).toEqual({ id, type: 'function' });
      }
    }, 60_000);

    it('database clients run in the VPC and read the database secret, through RDS Proxy', () => {
      for (const description of [
        /Ingest queue/,
        /Answer queue/,
        /Campaign queue/,
        /migrations/,
        /partitions/,
      ]) {
        const id = fnIdByEntry(description);
        expect(fnProps(id).VpcConfig).toEqual({
          SecurityGroupIds: [expect.anything()],
          SubnetIds: expect.any(Array),
        });
        expect(envOf(id)).toMatchObject({
          DATABASE_SECRET_ARN: { Ref: expect.stringMatching(/^DatabaseInstanceSecretAttachment/) },
          DATABASE_HOST: {
            'Fn::GetAtt': [expect.stringMatching(/^DatabaseInstanceProxy/), 'Endpoint'],
          },
          DATABASE_SSLMODE: 'verify-full',
        });
      }
    });

    it('the answer worker and campaign sender read the Graph API token from Secrets Manager', () => {
      for (const description of [/Answer queue/, /Campaign queue/]) {
        expect(envOf(fnIdByEntry(description))).toMatchObject({
          WHATSAPP_ACCESS_TOKEN_SECRET_ARN: { Ref: expect.stringMatching(/^WhatsappAccessToken/) },
        });
      }
    });

    it('the campaign sender knows its own queue, its rate and its slice length', () => {
      const id = fnIdByEntry(/Campaign queue/);
      expect(envOf(id)).toMatchObject({
        CAMPAIGN_QUEUE_URL: { Ref: expect.stringMatching(/^CampaignQueue/) },
        CAMPAIGN_RATE_PER_SECOND: '80',
        CAMPAIGN_SLICE_SECONDS: String(config.campaignSender.timeoutSeconds - 15),
      });
    });
  });

  describe('queues', () => {
    const queues = () => resourcesOf(s.template, 'AWS::SQS::Queue');

    it('eight queues, all with SSE', () => {
      expect(Object.keys(queues())).toHaveLength(8);
      for (const q of Object.values(queues())) {
        expect(q.Properties!.SqsManagedSseEnabled).toBe(true);
      }
    });

    it('the ingest queue rides out a database outage of hours before dead-lettering', () => {
      // An outage fails whole batches: each receive costs at least one visibility timeout.
      const [, ingest] = Object.entries(queues()).find(
        ([id, q]) => id.startsWith('IngestQueue') && q.Properties!.RedrivePolicy,
      )!;
      const { maxReceiveCount } = ingest.Properties!.RedrivePolicy as { maxReceiveCount: number };
      const visibility = ingest.Properties!.VisibilityTimeout as number;
      expect(maxReceiveCount * visibility).toBeGreaterThanOrEqual(4 * 3600);
    });

    it('the processor may change the visibility of its own messages (back-off) and knows its queue', () => {
      const processor = fnIdByEntry(/Ingest queue/);
      const role = refId(fnProps(processor).Role);
      const ingestId = Object.keys(queues()).find(
        (id) => id.startsWith('IngestQueue') && queues()[id]!.Properties!.RedrivePolicy,
      )!;
      const statements = Object.values(resourcesOf(s.template, 'AWS::IAM::Policy'))
        .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => refId(r) === role))
        .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: expect.arrayContaining(['sqs:ChangeMessageVisibility']),
          Resource: { 'Fn::GetAtt': [ingestId, 'Arn'] },
        }),
      );
      expect(envOf(processor).INGEST_QUEUE_URL).toEqual({ Ref: ingestId });
    });

    it('every work queue redrives to a DLQ after at least 5 receives; DLQs keep 14 days', () => {
      const sources = Object.values(queues()).filter((q) => q.Properties!.RedrivePolicy);
      expect(sources).toHaveLength(4);
      for (const q of sources) {
        const redrive = q.Properties!.RedrivePolicy as {
          maxReceiveCount: number;
          deadLetterTargetArn: unknown;
        };
        expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(5);
        const dlq = queues()[refId(redrive.deadLetterTargetArn)]!;
        expect(dlq.Properties!.MessageRetentionPeriod).toBe(14 * 24 * 3600);
        expect(dlq.Properties!.MessageRetentionPeriod as number).toBeGreaterThanOrEqual(
          q.Properties!.MessageRetentionPeriod as number,
        );
      }
      // The ingest queue keeps acknowledged webhooks as long as SQS allows.
      expect(sources.map((q) => q.Properties!.MessageRetentionPeriod)).toContain(14 * 24 * 3600);
    });

    it('every queue policy refuses requests without TLS', () => {
      const policies = Object.values(resourcesOf(s.template, 'AWS::SQS::QueuePolicy'));
      expect(policies).toHaveLength(8);
      for (const p of policies) {
        expect((p.Properties!.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        );
      }
    });
  });

  describe('event source mappings', () => {
    it('one per consumer, each with ReportBatchItemFailures', () => {
      expect(Object.keys(mappings())).toHaveLength(4);
      for (const m of Object.values(mappings())) {
        expect(m.Properties!.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      }
    });

    it("each queue's visibility timeout ≥ 6 × its function's timeout + batching window", () => {
      for (const m of Object.values(mappings())) {
        const fn = fnProps(refId(m.Properties!.FunctionName));
        const queue = resourcesOf(s.template, 'AWS::SQS::Queue')[
          refId(m.Properties!.EventSourceArn)
        ]!;
        const window = (m.Properties!.MaximumBatchingWindowInSeconds as number | undefined) ?? 0;
        expect(queue.Properties!.VisibilityTimeout as number).toBeGreaterThanOrEqual(
          6 * (fn.Timeout as number) + window,
        );
      }
    });

    it('Σ MaximumConcurrency × DB_POOL_MAX + reserved connections ≤ the connection budget', () => {
      let connections = 0;
      for (const m of Object.values(mappings())) {
        const fnId = refId(m.Properties!.FunctionName);
        const max = (m.Properties!.ScalingConfig as { MaximumConcurrency: number })
          .MaximumConcurrency;
        expect(max).toBeGreaterThanOrEqual(2);
        connections += max * Number(envOf(fnId).DB_POOL_MAX);
      }
      expect(connections + config.reservedConnections).toBeLessThanOrEqual(config.connectionBudget);
      expect(connections).toBe(
        CONSUMERS.reduce((sum, n) => sum + s.stack.plan.consumers[n].connections, 0),
      );
    });

    it('the processor batches as configured', () => {
      const processor = fnIdByEntry(/Ingest queue/);
      const mapping = Object.values(mappings()).find(
        (m) => refId(m.Properties!.FunctionName) === processor,
      )!;
      expect(mapping.Properties).toMatchObject({
        BatchSize: config.processor.batchSize,
        MaximumBatchingWindowInSeconds: config.processor.batchingWindowSeconds,
      });
    });

    it('the migrations run after the proxy has its target (the target group), not only its endpoint', () => {
      const [migrations] = Object.values(resourcesOf(s.template, 'Custom::WabaMigrations'));
      const targetGroup = Object.keys(resourcesOf(s.template, 'AWS::RDS::DBProxyTargetGroup'))[0]!;
      expect([migrations!.DependsOn ?? []].flat()).toContain(targetGroup);
    });

    it('no mapping starts before the migrations ran', () => {
      const migrationsId = Object.keys(resourcesOf(s.template, 'Custom::WabaMigrations'))[0]!;
      for (const m of Object.values(mappings())) {
        expect([m.DependsOn ?? []].flat()).toContain(migrationsId);
      }
    });
  });

  describe.each([
    ['claim-check', 'expire-claim-checks'],
    ['media', 'expire-media-'],
  ])('%s bucket', (_, rule) => {
    const bucket = () =>
      Object.entries(resourcesOf(s.template, 'AWS::S3::Bucket')).find(([, b]) =>
        JSON.stringify(b.Properties?.LifecycleConfiguration).includes(rule),
      )!;

    it('encrypted, public access blocked, access-logged, owned by the account', () => {
      const [, b] = bucket();
      expect(b.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: expect.anything() },
      });
    });

    it('refuses requests without TLS (and below TLS 1.2)', () => {
      const [id] = bucket();
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    });
  });

  it('claim-checked objects expire after the configured days, longer than any queue holds the pointer', () => {
    const [, bucket] = Object.entries(resourcesOf(s.template, 'AWS::S3::Bucket')).find(([, b]) =>
      JSON.stringify(b.Properties?.LifecycleConfiguration).includes('expire-claim-checks'),
    )!;
    expect(bucket.Properties!.LifecycleConfiguration).toEqual({
      Rules: [
        expect.objectContaining({
          ExpirationInDays: config.payloadRetentionDays,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        }),
      ],
    });
    expect(config.payloadRetentionDays).toBeGreaterThan(14);
  });

  describe('database', () => {
    it('Postgres: encrypted, private, TLS forced, backups, logs exported', () => {
      s.template.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        BackupRetentionPeriod: 1,
        MultiAZ: false,
        EnableCloudwatchLogsExports: ['postgresql'],
      });
      s.template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
      });
    });

    it('engine major only, with automatic minor upgrades', () => {
      s.template.hasResourceProperties('AWS::RDS::DBInstance', {
        EngineVersion: '18',
        AutoMinorVersionUpgrade: true,
      });
    });

    it('the postgresql log group (its name is fixed by RDS) is never retained, and exists first', () => {
      const [id, logs] = Object.entries(resourcesOf(s.template, 'AWS::Logs::LogGroup')).find(
        ([, g]) => String(g.Properties!.LogGroupName).startsWith('/aws/rds/'),
      )!;
      expect((logs as { DeletionPolicy?: string }).DeletionPolicy).toBe('Delete');
      const [instance] = Object.values(resourcesOf(s.template, 'AWS::RDS::DBInstance'));
      expect([instance!.DependsOn ?? []].flat()).toContain(id);
    });

    it('RDS Proxy requires TLS, is named per stack and reads the generated secret', () => {
      s.template.hasResourceProperties('AWS::RDS::DBProxy', {
        DBProxyName: 'waba-dev-proxy',
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
      });
      s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
      });
    });

    it('partition maintenance runs daily with the configured retention', () => {
      const id = fnIdByEntry(/partitions/);
      expect(envOf(id)).toMatchObject({
        WEBHOOK_EVENTS_RETENTION_MONTHS: String(config.partitionRetention.webhookEventsMonths),
        STATUS_EVENTS_RETENTION_MONTHS: String(config.partitionRetention.statusEventsMonths),
      });
      s.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(17 3 * * ? *)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })],
      });
    });

    it('migrations run as a custom resource that changes with db/migrations', () => {
      s.template.hasResourceProperties('Custom::WabaMigrations', {
        MigrationsDigest: migrationsDigest(),
      });
    });
  });

  describe('IAM', () => {
    const statements = (): Array<[string, Statement]> =>
      Object.entries(resourcesOf(s.template, 'AWS::IAM::Policy')).flatMap(([id, p]) =>
        (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.map(
          (st): [string, Statement] => [id, st],
        ),
      );

    it('no statement allows every action', () => {
      for (const [id, st] of statements()) {
        const actions = [st.Action].flat();
        expect({ id, star: actions.filter((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a)) }).toEqual(
          {
            id,
            star: [],
          },
        );
      }
    });

    it('no statement on data (queues, buckets, secrets, keys) has Resource "*"', () => {
      for (const [id, st] of statements()) {
        const data = [st.Action].flat().filter((a) => DATA_SERVICES.test(a));
        if (data.length === 0) continue;
        expect({ id, data, resources: [st.Resource].flat() }).not.toEqual(
          expect.objectContaining({ resources: expect.arrayContaining(['*']) }),
        );
      }
    });

    it('the receiver may only send to the ingest queue and put claim-check objects', () => {
      const receiverRole = refId(fnProps(fnIdByEntry(/receiver/)).Role);
      const [, policy] = Object.entries(resourcesOf(s.template, 'AWS::IAM::Policy')).find(([, p]) =>
        (p.Properties!.Roles as unknown[]).some((r) => refId(r) === receiverRole),
      )!;
      const actions = (
        policy.Properties!.PolicyDocument as { Statement: Statement[] }
      ).Statement.flatMap((st) => [st.Action].flat());
      expect(actions.sort()).toEqual([
        's3:PutObject',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
    });
  });

  describe('alarms and dashboard', () => {
    const alarms = () => Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'));

    it('an SNS topic, encrypted with a rotating KMS key CloudWatch may use', () => {
      s.template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: Match.anyValue(),
      });
      s.template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          ]),
        },
      });
    });

    it('every alarm notifies the topic, on alarm and on recovery', () => {
      const topic = Object.keys(resourcesOf(s.template, 'AWS::SNS::Topic'))[0]!;
      expect(alarms().length).toBeGreaterThanOrEqual(15);
      for (const alarm of alarms()) {
        expect(alarm.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
        expect(alarm.Properties!.OKActions).toEqual([{ Ref: topic }]);
      }
    });

    it.each([
      ['each DLQ holding a message', 'ApproximateNumberOfMessagesVisible', 4],
      ['each DLQ message nearing expiry', 'ApproximateAgeOfOldestMessage', 5],
      ['API 5xx', '5xx', 1],
      ['API latency', 'Latency', 1],
      ['function errors', 'Errors', 7],
      ['receiver throttles', 'Throttles', 1],
      ['database CPU', 'CPUUtilization', 1],
      ['database connections', 'DatabaseConnections', 1],
      ['database memory', 'FreeableMemory', 1],
      ['answers not sent', 'AnswersNotSent', 1],
      ['the oldest pending media', 'MediaOldestPendingSeconds', 1],
    ])('alarms on %s', (_, metric, count) => {
      expect(alarms().filter((a) => a.Properties!.MetricName === metric)).toHaveLength(count);
    });

    it("alarms on answers not sent: a metric filter on the answer worker's log group", () => {
      const answerLogs = refId(
        (fnProps(fnIdByEntry(/Answer queue/)).LoggingConfig as Props).LogGroup,
      );
      const [filterId, filter] = Object.entries(
        resourcesOf(s.template, 'AWS::Logs::MetricFilter'),
      ).find(([, f]) => f.Properties!.FilterPattern === ANSWER_NOT_SENT_PATTERN)!;
      expect(filterId).toMatch(/AnswersNotSent/);
      expect(filter.Properties!.LogGroupName).toEqual({ Ref: answerLogs });
      const transforms = filter.Properties!.MetricTransformations as Array<{
        MetricName: string;
        MetricNamespace: string;
      }>;
      const { MetricName, MetricNamespace } = transforms[0]!;
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({
            MetricName,
            Namespace: MetricNamespace,
            Threshold: 1,
          }),
        }),
      );
    });

    it('a dashboard', () => {
      s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it("alarms on the processor's misrouted items, counted from its own log line", () => {
      const processorLogs = (fnProps(fnIdByEntry(/Ingest queue/)).LoggingConfig as Props).LogGroup;
      const filters = Object.values(resourcesOf(s.template, 'AWS::Logs::MetricFilter'));
      const misrouted = filters.filter((f) =>
        String(f.Properties!.FilterPattern).includes(MISROUTED_LOG_MESSAGE),
      );
      expect(misrouted.map((f) => f.Properties)).toEqual([
        {
          LogGroupName: processorLogs,
          FilterPattern: `{ $.msg = "${MISROUTED_LOG_MESSAGE}" }`,
          MetricTransformations: [
            expect.objectContaining({
              MetricName: 'MisroutedWebhookItems',
              MetricValue: '$.misrouted',
            }),
          ],
        },
      ]);
      const namespace = (
        misrouted[0]!.Properties!.MetricTransformations as Array<{ MetricNamespace: string }>
      )[0]!.MetricNamespace;
      expect(alarms().filter((a) => a.Properties!.MetricName === 'MisroutedWebhookItems')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            Namespace: namespace,
            Statistic: 'Sum',
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        }),
      ]);
    });
  });

  it.each([
    'WebhookUrl',
    'WebhookUrlPerApp',
    'WhatsappAppsSecretArn',
    'WhatsappAccessTokenSecretArn',
    'DatabaseSecretArn',
    'DatabaseHost',
    'IngestQueueUrl',
    'IngestDlqUrl',
    'IngestDlqArn',
    'AnswerQueueUrl',
    'AnswerDlqArn',
    'CampaignQueueUrl',
    'CampaignDlqArn',
    'PayloadBucketName',
    'AlarmTopicArn',
    'DashboardUrl',
  ])('outputs %s', (name) => {
    s.template.hasOutput(name, { Value: Match.anyValue() });
  });

  it('the webhook URL is the stage URL + webhook', () => {
    const out = s.template.findOutputs('WebhookUrl').WebhookUrl as { Value: unknown };
    expect(JSON.stringify(out.Value)).toMatch(/execute-api.*\/webhook"/);
  });

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nagViolations).toEqual([]);
  });

  it('passes the template checks (rules, names, custom resource dependencies, visibility)', () => {
    expect(templateFindings(s)).toEqual([]);
  });

  it('keeps the logical id of every stateful resource (a new id would replace it on deploy)', () => {
    expect(statefulLogicalIds(s.template)).toEqual(STATEFUL_IDS.lambda);
  });
});
