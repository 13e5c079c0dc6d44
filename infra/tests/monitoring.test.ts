import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { ANSWER_NOT_SENT_LOG_FILTER } from '@waba/answer-worker';
import { logAlarm, Monitoring } from '../lib/constructs/monitoring';

describe('logAlarm()', () => {
  it('turns matching log lines into a metric and alarms on the first one, to the alarm topic', () => {
    const stack = new Stack(new App(), 'Test');
    const monitoring = new Monitoring(stack, 'Monitoring', {});
    const logGroup = new LogGroup(stack, 'AnswerLogs');

    logAlarm(monitoring, 'AnswersNotSent', {
      logGroup,
      pattern: ANSWER_NOT_SENT_LOG_FILTER,
      metricName: 'AnswersNotSent',
      period: Duration.minutes(5),
      threshold: 1,
      description:
        'Answers not sent: unusable Graph token, permanent refusal, or unknown after the re-send',
    });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.event = "answer-not-sent" }',
      MetricTransformations: [
        { MetricNamespace: 'Waba/Test', MetricName: 'AnswersNotSent', MetricValue: '1' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Waba/Test',
      MetricName: 'AnswersNotSent',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});
