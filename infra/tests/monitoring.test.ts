import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { ANSWER_NOT_SENT_LOG_FILTER } from '@waba/answer-worker';
import { Monitoring } from '../lib/constructs/monitoring';

describe('Monitoring.logAlarm()', () => {
  it('turns matching log lines into a metric and alarms on the first one, to the alarm topic', () => {
    const stack = new Stack(new App(), 'Test');
    const monitoring = new Monitoring(stack, 'Monitoring', {});
    const logGroup = new LogGroup(stack, 'AnswerLogs');

    monitoring.logAlarm('AnswersNotSent', {
      logGroup,
      filterPattern: ANSWER_NOT_SENT_LOG_FILTER,
      metricName: 'AnswersNotSent',
      description:
        'Answers not sent: unusable Graph token, permanent refusal, or unknown after the re-send',
    });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.event = "answer-not-sent" }',
      MetricTransformations: [
        { MetricNamespace: 'WabaPipeline', MetricName: 'AnswersNotSent', MetricValue: '1' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'WabaPipeline',
      MetricName: 'AnswersNotSent',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});
