import { Duration, Stack } from 'aws-cdk-lib';
import type { HorizontalAnnotation } from 'aws-cdk-lib/aws-cloudwatch';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  comparison?: ComparisonOperator;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  treatMissingData?: TreatMissingData;
  description: string;
}

/**
 * The processor's log line for a batch with items it did not apply because
 * the app that signed them is not bound to their number, or they named
 * another organization's message (db-processor's MISROUTED_LOG_MESSAGE; a
 * test keeps the two equal). Its `misrouted` field counts the items.
 */
export const MISROUTED_LOG_MESSAGE = 'webhook items misrouted';

export interface MonitoringProps {
  alarmEmail?: string;
}

/**
 * Alarms to one SNS topic (KMS-encrypted with a key CloudWatch may use,
 * TLS-only, optionally mailed) and one dashboard. Stacks add alarms and
 * dashboard rows; every alarm also notifies when it recovers.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: `${Stack.of(this).stackName}: alarm topic encryption`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes to an encrypted topic only with a customer managed key it may use.
    key.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `${Stack.of(this).stackName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
    });
  }

  alarm(id: string, spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, id, {
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: spec.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * A metric of a numeric `field` of the JSON log lines whose `msg` is
   * `message` (summed unless another statistic is asked for), over a metric
   * filter on each log group.
   */
  logFieldMetric(
    id: string,
    options: {
      logGroups: ILogGroup[];
      message: string;
      field: string;
      period?: Duration;
      /** Sum unless set (a gauge such as an age wants the maximum). */
      statistic?: string;
    },
  ): Metric {
    const namespace = `${Stack.of(this).stackName}/Pipeline`;
    options.logGroups.forEach(
      (logGroup, i) =>
        new MetricFilter(this, `${id}Filter${i}`, {
          logGroup,
          metricNamespace: namespace,
          metricName: id,
          filterPattern: FilterPattern.stringValue('$.msg', '=', options.message),
          metricValue: `$.${options.field}`,
        }),
    );
    return new Metric({
      namespace,
      metricName: id,
      statistic: options.statistic ?? Stats.SUM,
      period: options.period ?? Duration.minutes(5),
    });
  }

  /**
   * Alarms as soon as the processor refuses an item as misrouted: someone
   * holding one app's secret writes to numbers of another app, or a number is
   * bound to the wrong app (`org add --app-id`, then
   * `webhooks replay-unrouted --misrouted`).
   */
  misroutedWebhooksAlarm(processorLogs: ILogGroup[]): Alarm {
    const metric = this.logFieldMetric('MisroutedWebhookItems', {
      logGroups: processorLogs,
      message: MISROUTED_LOG_MESSAGE,
      field: 'misrouted',
    });
    return this.alarm('MisroutedWebhooks', {
      metric,
      threshold: 1,
      description:
        'Webhook items were not applied: signed by an app their number is not bound to, or naming another organization’s message (webhooks stats; docs/design.md)',
    });
  }

  /** A titled row of graphs on the dashboard. */
  row(title: string, widgets: IWidget[]): void {
    this.dashboard.addWidgets(new TextWidget({ markdown: `### ${title}`, width: 24, height: 1 }));
    this.dashboard.addWidgets(...widgets);
  }

  static graph(
    title: string,
    left: IMetric[],
    options: { right?: IMetric[]; width?: number; annotations?: HorizontalAnnotation[] } = {},
  ): GraphWidget {
    return new GraphWidget({
      title,
      left,
      right: options.right,
      width: options.width ?? 8,
      height: 6,
      leftAnnotations: options.annotations,
    });
  }

  static readonly p50 = Stats.p(50);
  static readonly p99 = Stats.p(99);
}

export interface LogAlarmSpec extends Omit<AlarmSpec, 'metric'> {
  logGroup: ILogGroup;
  /** A CloudWatch Logs filter pattern (infra/lib/log-patterns.ts). */
  pattern: string;
  metricName: string;
  period: Duration;
}

/**
 * An alarm on the lines of a log group that match a pattern: a metric filter
 * (one per matching line, 0 when none) in the stack's own namespace, and the
 * alarm on its sum.
 */
export function logAlarm(m: Monitoring, id: string, spec: LogAlarmSpec): Alarm {
  const { logGroup, pattern, metricName, period, ...alarm } = spec;
  const filter = new MetricFilter(m, `${id}Filter`, {
    logGroup,
    filterPattern: FilterPattern.literal(pattern),
    metricNamespace: `Waba/${Stack.of(m).stackName}`,
    metricName,
    metricValue: '1',
    defaultValue: 0,
  });
  return m.alarm(id, { ...alarm, metric: filter.metric({ period, statistic: Stats.SUM }) });
}
