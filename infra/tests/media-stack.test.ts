import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { loadStageConfig } from '../config';
import { MEDIA_RETENTION_TIERS } from '@waba/media-archiver';
import {
  MEDIA_HASH_MISMATCH_PATTERN,
  MEDIA_SWEEP_AGE_FIELD,
  MEDIA_SWEEP_LOG_MESSAGE,
} from '../lib/log-patterns';
import type { WabaFunction } from '../lib/constructs/waba-function';
import {
  build,
  refId,
  resourcesOf,
  serviceModeInput,
  stageInput,
  synth,
  type Synthesized,
} from './helpers/synth';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Props = Record<string, unknown>;

const config = loadStageConfig('dev');
let s: Synthesized;
let service: Synthesized;

beforeAll(() => {
  s = synth(stageInput(), { bundle: false });
  service = synth(serviceModeInput(), { bundle: false });
}, 300_000);
afterAll(() => {
  s?.dispose();
  service?.dispose();
});

const idOf = (x: Synthesized, fn: WabaFunction) =>
  x.stack.getLogicalId(fn.node.defaultChild as CfnFunction);
const fnProps = (x: Synthesized, fn: WabaFunction) =>
  resourcesOf(x.template, 'AWS::Lambda::Function')[idOf(x, fn)]!.Properties as Props;
const envOf = (x: Synthesized, fn: WabaFunction) =>
  (fnProps(x, fn).Environment as { Variables: Record<string, unknown> }).Variables;
/** The statements of the policies attached to a role. */
const statementsOfRole = (x: Synthesized, roleId: string): Statement[] =>
  Object.values(resourcesOf(x.template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => refId(r) === roleId))
    .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
const statementsOf = (x: Synthesized, fn: WabaFunction) =>
  statementsOfRole(x, refId(fnProps(x, fn).Role));
const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((st) => [st.Action].flat()))].sort();
const bucketId = (x: Synthesized, rule: string) =>
  Object.entries(resourcesOf(x.template, 'AWS::S3::Bucket')).find(([, b]) =>
    JSON.stringify(b.Properties?.LifecycleConfiguration).includes(rule),
  )![0];
const mediaBucket = (x: Synthesized) => bucketId(x, 'expire-media-');
const queueId = (x: Synthesized, prefix: string) =>
  Object.keys(resourcesOf(x.template, 'AWS::SQS::Queue')).find((id) => id.startsWith(prefix))!;
/** The S3 statements of a function: their actions and the media/* objects they reach. */
const s3Statements = (statements: Statement[]) =>
  statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
/** What the statements allow `sqs:SendMessage` on. */
const sendTargets = (statements: Statement[]) =>
  statements
    .filter((st) => [st.Action].flat().includes('sqs:SendMessage'))
    .flatMap((st) => [st.Resource].flat());
const mediaQueueArn = (x: Synthesized) => ({ 'Fn::GetAtt': [queueId(x, 'MediaQueue'), 'Arn'] });
/** `arn:…:<bucket>/media/*` as CloudFormation writes it. */
const mediaObjects = (x: Synthesized) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [mediaBucket(x), 'Arn'] }, '/media/*']],
});

describe('the media bucket', () => {
  it('named by CloudFormation, its access logs under media/ (the claim-check bucket has the same protections: pipeline-stack.test.ts)', () => {
    const bucket = resourcesOf(s.template, 'AWS::S3::Bucket')[mediaBucket(s)]!;
    expect(bucket.Properties!.BucketName).toBeUndefined();
    expect(bucket.Properties!.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'media/' });
  });

  it('one lifecycle rule per retention tier, expiring objects tagged with it; untagged objects stay', () => {
    const rules = (
      resourcesOf(s.template, 'AWS::S3::Bucket')[mediaBucket(s)]!.Properties!
        .LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }
    ).Rules;
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined);
    expect(expiring).toEqual(
      MEDIA_RETENTION_TIERS.map((days) => ({
        Id: `expire-media-${days}-days`,
        Prefix: 'media/',
        TagFilters: [{ Key: 'retention-days', Value: String(days) }],
        ExpirationInDays: days,
        Status: 'Enabled',
      })),
    );
    expect(MEDIA_RETENTION_TIERS).toEqual([7, 30, 90, 365, 1825]);
    // S3 refuses a configuration with two rules of the same id.
    expect(new Set(rules.map((r) => r.Id)).size).toBe(rules.length);
    // A rule with a tag filter cannot abort multipart uploads (S3 refuses it): its own rule.
    expect(rules.filter((r) => r.AbortIncompleteMultipartUpload)).toEqual([
      {
        Id: 'abort-incomplete-uploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    ]);
  });

  it('is named in the outputs', () => {
    s.template.hasOutput('MediaBucketName', { Value: { Ref: mediaBucket(s) } });
    for (const name of ['MediaQueueUrl', 'MediaDlqUrl', 'MediaDlqArn'])
      s.template.hasOutput(name, { Value: Match.anyValue() });
  });
});

describe('the media queue and the archiver', () => {
  it('the queue redrives to its DLQ after the configured receives', () => {
    const queue = resourcesOf(s.template, 'AWS::SQS::Queue')[queueId(s, 'MediaQueue')]!;
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: config.mediaArchiver.retentionDays * 86_400,
      VisibilityTimeout: 6 * config.mediaArchiver.timeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [queueId(s, 'MediaDlq'), 'Arn'] },
        maxReceiveCount: config.mediaArchiver.maxReceiveCount,
      },
    });
  });

  it('the archiver reads the media queue with partial batch failures, at its share of the budget', () => {
    const archiver = s.stack.functions.mediaArchiver;
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(s, archiver) },
      EventSourceArn: { 'Fn::GetAtt': [queueId(s, 'MediaQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: config.mediaArchiver.batchSize,
      ScalingConfig: { MaximumConcurrency: s.stack.plan.consumers.mediaArchiver.maxConcurrency },
    });
    expect(envOf(s, archiver)).toMatchObject({
      MEDIA_BUCKET: { Ref: mediaBucket(s) },
      MEDIA_QUEUE_URL: { Ref: queueId(s, 'MediaQueue') },
      MEDIA_DOWNLOAD_TIMEOUT_MS: String((config.mediaArchiver.timeoutSeconds - 15) * 1000),
      DB_POOL_MAX: String(config.mediaArchiver.dbPoolMax),
    });
  });

  it('the archiver may put and tag objects under media/ only: no read, no delete, no claim checks, no send', () => {
    const statements = statementsOf(s, s.stack.functions.mediaArchiver);
    expect(s3Statements(statements)).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectTagging'],
        Resource: mediaObjects(s),
      }),
    ]);
    expect(actionsOf(statements)).toEqual([
      's3:AbortMultipartUpload',
      's3:PutObject',
      's3:PutObjectTagging',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    const payloads = bucketId(s, 'expire-claim-checks');
    expect(JSON.stringify(statements)).not.toContain(payloads);
  });

  it("alarms on a hash mismatch: a metric filter on the archiver's log group", () => {
    const archiverLogs = (fnProps(s, s.stack.functions.mediaArchiver).LoggingConfig as Props)
      .LogGroup;
    const [, filter] = Object.entries(resourcesOf(s.template, 'AWS::Logs::MetricFilter')).find(
      ([, f]) => f.Properties!.FilterPattern === MEDIA_HASH_MISMATCH_PATTERN,
    )!;
    expect(filter.Properties!.LogGroupName).toEqual(archiverLogs);
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties!.MetricName === 'MediaHashMismatches',
    );
    expect(alarms).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 1 }) }),
    ]);
  });

  it('the processor may send to the media queue, and knows its URL', () => {
    const processor = s.stack.functions.processor!;
    expect(envOf(s, processor).MEDIA_QUEUE_URL).toEqual({ Ref: queueId(s, 'MediaQueue') });
    expect(sendTargets(statementsOf(s, processor))).toContainEqual(mediaQueueArn(s));
  });

  it('the answer worker may read media objects (images for its model), nothing else of the bucket', () => {
    const worker = s.stack.functions.answerWorker!;
    expect(envOf(s, worker).MEDIA_BUCKET).toEqual({ Ref: mediaBucket(s) });
    const onMedia = s3Statements(statementsOf(s, worker)).filter((st) =>
      JSON.stringify(st.Resource).includes(mediaBucket(s)),
    );
    expect(onMedia).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: mediaObjects(s) }),
    ]);
  });
});

describe('the media sweep', () => {
  it('runs on a schedule, after the migrations', () => {
    const sweepId = idOf(s, s.stack.functions.mediaSweep);
    const [ruleId, rule] = Object.entries(resourcesOf(s.template, 'AWS::Events::Rule')).find(
      ([, r]) => JSON.stringify(r.Properties!.Targets).includes(sweepId),
    )!;
    expect(rule.Properties!.ScheduleExpression).toBe(
      `rate(${config.mediaArchiver.sweepEveryMinutes} minutes)`,
    );
    expect(rule.Properties!.Name).toBeUndefined();
    expect([rule.DependsOn].flat().join()).toMatch(/Migrations/);
    expect(ruleId).toMatch(/^MediaSweepSchedule/);
  });

  it('may send to the media queue only (no receive), and read the database secret', () => {
    const statements = statementsOf(s, s.stack.functions.mediaSweep);
    expect(actionsOf(statements)).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(sendTargets(statements)).toEqual([mediaQueueArn(s)]);
  });

  it("alarms on the oldest pending media: the maximum of the sweep's logged age", () => {
    const sweepLogs = (fnProps(s, s.stack.functions.mediaSweep).LoggingConfig as Props).LogGroup;
    const filters = Object.values(resourcesOf(s.template, 'AWS::Logs::MetricFilter')).filter(
      (f) => f.Properties!.LogGroupName && refId(f.Properties!.LogGroupName) === refId(sweepLogs),
    );
    expect(filters.map((f) => f.Properties)).toEqual([
      {
        LogGroupName: sweepLogs,
        FilterPattern: `{ $.msg = "${MEDIA_SWEEP_LOG_MESSAGE}" }`,
        MetricTransformations: [
          expect.objectContaining({
            MetricName: 'MediaOldestPendingSeconds',
            MetricValue: `$.${MEDIA_SWEEP_AGE_FIELD}`,
          }),
        ],
      },
    ]);
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties!.MetricName === 'MediaOldestPendingSeconds',
    );
    expect(alarms).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Statistic: 'Maximum',
          Threshold: config.mediaArchiver.pendingAgeAlarmSeconds,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      }),
    ]);
  });

  it('alarms when the media DLQ holds a message', () => {
    const dlq = queueId(s, 'MediaDlq');
    const onDlq = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).filter(
      (a) =>
        JSON.stringify(a.Properties).includes(dlq) &&
        a.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(onDlq).toHaveLength(1);
  });
});

describe('service mode', () => {
  it('the media archiver stays a Lambda: the only event source mapping', () => {
    const mappings = Object.values(
      resourcesOf(service.template, 'AWS::Lambda::EventSourceMapping'),
    );
    expect(mappings.map((m) => refId(m.Properties!.FunctionName))).toEqual([
      idOf(service, service.stack.functions.mediaArchiver),
    ]);
  });

  it("the task role gets the processor's and answer worker's media grants, never the archiver's", () => {
    const role = Object.keys(resourcesOf(service.template, 'AWS::IAM::Role')).find((id) =>
      id.startsWith('ServiceTaskTaskRole'),
    )!;
    const statements = statementsOfRole(service, role);
    const onMedia = s3Statements(statements).filter((st) =>
      JSON.stringify(st.Resource).includes(mediaBucket(service)),
    );
    expect(actionsOf(onMedia)).toEqual(['s3:GetObject']);
    expect(sendTargets(statements)).toContainEqual(mediaQueueArn(service));
  });
});

describe("the answer worker's vision models", () => {
  it("a compatible server's models that take images reach OPENAI_VISION_MODELS", () => {
    const { stack } = build(
      stageInput({
        openAi: {
          apiKeySecretArn:
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:waba/openai-AbCdEf',
          baseUrl: 'https://llm.example.com/v1',
          model: 'llava',
          visionModels: ['llava', 'qwen-vl'],
        },
      }),
    );
    const template = Template.fromStack(stack);
    const id = stack.getLogicalId(stack.functions.answerWorker!.node.defaultChild as CfnFunction);
    const env = (
      resourcesOf(template, 'AWS::Lambda::Function')[id]!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env.OPENAI_VISION_MODELS).toBe('llava,qwen-vl');
  });
});
