import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface QueueWithDlqProps {
  visibilityTimeout: Duration;
  maxReceiveCount: number;
  retention: Duration;
  maxMessageSizeBytes?: number;
  removalPolicy: RemovalPolicy;
}

/** The DLQ keeps the maximum: a dead-lettered message keeps its original enqueue time. */
export const DLQ_RETENTION = Duration.days(14);

/**
 * A queue and its dead-letter queue: SSE (SQS-managed keys), TLS-only
 * queue policies, and a redrive policy after `maxReceiveCount` receives.
 */
export class QueueWithDlq extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.dlq = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: props.removalPolicy,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retention,
      maxMessageSizeBytes: props.maxMessageSizeBytes,
      removalPolicy: props.removalPolicy,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
