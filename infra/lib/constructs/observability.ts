import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import type { ConnectionPlan } from '../config/sizing';
import {
  ANSWER_NOT_SENT_PATTERN,
  MEDIA_HASH_MISMATCH_PATTERN,
  MEDIA_SWEEP_AGE_FIELD,
  MEDIA_SWEEP_LOG_MESSAGE,
} from '../log-patterns';
import { capitalize, type PipelineQueues } from './data';
import type { Database } from './database';
import type { IngressMetrics } from './ingress';
import { logAlarm, Monitoring } from './monitoring';
import type { PipelineService } from './pipeline-service';
import type { WabaFunction } from './waba-function';

/** The DLQs keep 14 days: alarm when a dead-lettered message has 4 days left. */
const DLQ_EXPIRY_WARNING_SECONDS = 10 * 24 * 3600;

/** The pipeline's functions by name (the receiver first; the consumers absent in service mode). */
export interface PipelineFunctions {
  receiver: WabaFunction;
  migrate: WabaFunction;
  maintenance: WabaFunction;
  processor?: WabaFunction;
  answerWorker?: WabaFunction;
  campaignSender?: WabaFunction;
  mediaArchiver: WabaFunction;
  mediaSweep: WabaFunction;
}

export interface ObservabilityProps {
  config: StageConfig;
  plan: ConnectionPlan;
  /** The webhook endpoint's metrics (HTTP API or function URL). */
  ingress: IngressMetrics;
  queues: PipelineQueues;
  functions: PipelineFunctions;
  database: Database;
  service?: PipelineService;
}

/**
 * The alarms (to one SNS topic) and the dashboard of the pipeline: the API's
 * errors and latency, the DLQs and the ingest backlog, each function's
 * errors, answers not sent, media waiting to be archived, misrouted webhooks,
 * the database and the service.
 *
 * Its Monitoring construct is created in `scope` itself (see Network): the
 * alarms keep their logical IDs.
 */
export class Observability extends Construct {
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, plan, ingress: api, functions, service } = props;
    const m = new Monitoring(scope, 'Monitoring', { alarmEmail: config.alarmEmail });
    this.monitoring = m;
    const fiveMinutes = Duration.minutes(5);
    const minute = Duration.minutes(1);
    const { ingest, answer, campaign, media } = props.queues;
    const queues = { Ingest: ingest, Answer: answer, Campaign: campaign, Media: media };

    m.alarm('ApiServerErrors', {
      metric: api.serverErrors({ period: fiveMinutes, statistic: Stats.SUM }),
      threshold: 5,
      description: 'The webhook answered 5xx: Meta retries, but check the receiver and its secret',
    });
    m.alarm('ApiLatencyP99', {
      metric: api.latency({ period: fiveMinutes, statistic: Monitoring.p99 }),
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
    const fns = Object.entries(functions).filter(
      (e): e is [string, WabaFunction] => e[1] !== undefined && e[0] !== 'migrate',
    );
    for (const [name, fn] of fns) {
      m.alarm(`${capitalize(name)}Errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: Stats.SUM }),
        threshold: 1,
        description: `${name} failed whole invocations (a thrown error, a timeout, a database outage)`,
      });
    }
    const answerLogs = functions.answerWorker?.logs ?? service?.logs;
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
    m.alarm('MediaPendingAge', {
      metric: m.logFieldMetric('MediaOldestPendingSeconds', {
        logGroups: [functions.mediaSweep.logs],
        message: MEDIA_SWEEP_LOG_MESSAGE,
        field: MEDIA_SWEEP_AGE_FIELD,
        statistic: Stats.MAXIMUM,
        period: Duration.minutes(Math.max(5, config.mediaArchiver.sweepEveryMinutes)),
      }),
      threshold: config.mediaArchiver.pendingAgeAlarmSeconds,
      description:
        'A media item has waited too long to be archived (the sweep found it pending): check the media archiver, its DLQ and the Graph API token; Meta forgets media after about 7 days',
    });
    logAlarm(m, 'MediaHashMismatch', {
      logGroup: functions.mediaArchiver.logs,
      pattern: MEDIA_HASH_MISMATCH_PATTERN,
      metricName: 'MediaHashMismatches',
      period: fiveMinutes,
      threshold: 1,
      description:
        "Downloaded media did not hash to the webhook's sha256 (the media is failed): read the archiver's log; a proxy or Meta's CDN may have altered it",
    });
    m.misroutedWebhooksAlarm(
      [functions.processor?.logs, service?.logs].filter((g) => g !== undefined),
    );
    m.alarm('ReceiverThrottles', {
      metric: functions.receiver.metricThrottles({
        period: fiveMinutes,
        statistic: Stats.SUM,
      }),
      threshold: 1,
      description:
        'The receiver was throttled: webhooks got 5xx (raise reserved or account concurrency)',
    });
    const dbm = props.database.metrics;
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
        threshold: Math.ceil(plan.budget * 0.9),
        evaluationPeriods: 2,
        description: `Postgres connections near the budget of ${plan.budget}`,
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
    if (service) {
      m.alarm('ServiceRunningTasks', {
        metric: new Metric({
          namespace: 'ECS/ContainerInsights',
          metricName: 'RunningTaskCount',
          period: minute,
          statistic: Stats.MINIMUM,
          dimensionsMap: {
            ClusterName: service.cluster.clusterName,
            ServiceName: service.service.serviceName,
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
    m.row(`Webhooks (${api.name} → receiver)`, [
      G('Requests and errors', [api.count({ period: minute })], {
        right: [api.clientErrors({ period: minute }), api.serverErrors({ period: minute })],
      }),
      G('Webhook latency (ms)', [
        api.latency({ period: minute, statistic: Monitoring.p50 }),
        api.latency({ period: minute, statistic: Monitoring.p99 }),
      ]),
      G('Receiver duration (ms)', [
        functions.receiver.metricDuration({ period: minute, statistic: Monitoring.p50 }),
        functions.receiver.metricDuration({ period: minute, statistic: Monitoring.p99 }),
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
    if (service) {
      const svc = service.service;
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
          annotations: [{ value: plan.budget, label: 'connection budget' }],
        }),
        G('Freeable memory (bytes)', [dbm.freeableMemory.with({ period: minute })]),
      ]);
    }

    const region = Stack.of(scope).region;
    new CfnOutput(scope, 'AlarmTopicArn', {
      value: m.topic.topicArn,
      description: 'Subscribe to receive alarms',
    });
    new CfnOutput(scope, 'DashboardUrl', {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${m.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard',
    });
  }
}
