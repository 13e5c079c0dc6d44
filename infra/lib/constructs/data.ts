import { CfnOutput, Duration, SecretValue, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MEDIA_RETENTION_TAG, MEDIA_RETENTION_TIERS } from '@waba/media-archiver';
import { GRAPH_TOKEN_PLACEHOLDER } from '@waba/whatsapp';
import type { ConsumerConfig, StageConfig } from '../config/schema';
import { visibilityTimeoutSeconds } from '../config/sizing';
import { acknowledge } from '../nag';
import { Database } from './database';
import { importSecret } from './imported-secret';
import type { Network } from './network';
import { QueueWithDlq } from './queue-with-dlq';

export interface DataProps {
  config: StageConfig;
  network: Network;
  /** Of queues, buckets and created secrets: retained (but not by a failed creation) or destroyed. */
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
}

/** The queue each consumer reads. */
export type PipelineQueues = {
  ingest: QueueWithDlq;
  answer: QueueWithDlq;
  campaign: QueueWithDlq;
  media: QueueWithDlq;
};

/** The key prefix of archived media: media/<organization>/<yyyy>/<mm>/<dd>/<media id>. */
export const MEDIA_PREFIX = 'media/';

/**
 * What the pipeline keeps: Postgres, the queues with their DLQs (visibility
 * timeouts computed from each consumer's timeout and window), the claim-check
 * bucket and its access logs, and the secrets (created with placeholders that
 * an operator fills in after the first deploy, or existing ones, whose
 * customer-managed key, if any, is granted with them).
 *
 * Its resources are created in `scope` itself (see Network): the logical IDs
 * of a deployed stack's database, queues and buckets stay.
 */
export class PipelineData extends Construct {
  readonly database: Database;
  readonly appsSecret: ISecret;
  readonly accessTokenSecret: ISecret;
  readonly openAiSecret?: ISecret;
  /** Claim-check bucket: payloads too large for SQS. */
  readonly payloads: Bucket;
  /** The claim-check objects (the receiver writes them, the processor reads them). */
  readonly payloadObjects: string;
  /** Archived media: customers' photos, voice notes and documents (the media archiver writes them). */
  readonly media: Bucket;
  /** The archived media objects (media/*): the archiver puts them, the answer worker reads images. */
  readonly mediaObjects: string;
  readonly queues: PipelineQueues;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const { config, network, removalPolicy } = props;
    const retain = config.retainData;
    this.database = new Database(scope, 'Database', {
      config: config.database,
      vpc: network.vpc,
      clientSubnets: network.clientSubnets,
      logRetention: props.logRetention,
      retainData: retain,
      firstDeploy: config.firstDeploy,
    });

    const wa = config.whatsapp;
    this.appsSecret = wa.appsSecretArn
      ? importSecret(scope, 'WhatsappApps', wa.appsSecretArn, wa.appsSecretKmsKeyArn)
      : new Secret(scope, 'WhatsappApps', {
          description:
            'Meta apps of this pipeline: {"<appId>": {"secrets": ["<app secret>"], "verifyToken": "..."}} (appId "default" serves /webhook)',
          // No app until an operator fills it in: every webhook is refused until then.
          secretStringValue: SecretValue.unsafePlainText('{}'),
          removalPolicy,
        });
    this.accessTokenSecret = wa.accessTokenSecretArn
      ? importSecret(
          scope,
          'WhatsappAccessToken',
          wa.accessTokenSecretArn,
          wa.accessTokenSecretKmsKeyArn,
        )
      : new Secret(scope, 'WhatsappAccessToken', {
          description: 'Graph API access token (a system user token), plain text',
          secretStringValue: SecretValue.unsafePlainText(GRAPH_TOKEN_PLACEHOLDER),
          removalPolicy,
        });
    this.openAiSecret = config.openAi
      ? importSecret(
          scope,
          'OpenAiApiKey',
          config.openAi.apiKeySecretArn,
          config.openAi.apiKeySecretKmsKeyArn,
        )
      : undefined;

    // Every bucket: SSE-S3, TLS ≥ 1.2 only, private, owned by the account, removed like the data.
    const privateBucket = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: !retain,
    };
    const accessLogs = new Bucket(scope, 'AccessLogs', {
      ...privateBucket,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.payloads = new Bucket(scope, 'Payloads', {
      ...privateBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'payloads/',
      lifecycleRules: [
        {
          id: 'expire-claim-checks',
          expiration: Duration.days(config.payloadRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    this.payloadObjects = this.payloads.arnForObjects('webhooks/*');
    this.media = new Bucket(scope, 'MediaArchive', {
      ...privateBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'media/',
      lifecycleRules: [
        // Uploads are multipart streams; one the archiver did not finish is not kept.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // The archiver tags each object with its organization's tier; untagged objects stay.
        ...MEDIA_RETENTION_TIERS.map((days) => ({
          id: `expire-media-${days}-days`,
          prefix: MEDIA_PREFIX,
          tagFilters: { [MEDIA_RETENTION_TAG]: String(days) },
          expiration: Duration.days(days),
        })),
      ],
    });
    this.mediaObjects = this.media.arnForObjects(`${MEDIA_PREFIX}*`);

    const queue = (name: string, consumer: ConsumerConfig, maxMessageSizeBytes?: number) =>
      new QueueWithDlq(scope, name, {
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(consumer)),
        maxReceiveCount: consumer.maxReceiveCount,
        retention: Duration.days(consumer.retentionDays),
        maxMessageSizeBytes,
        removalPolicy,
      });
    this.queues = {
      ingest: queue('Ingest', config.processor, 1_048_576),
      answer: queue('Answer', config.answerWorker),
      campaign: queue('Campaign', config.campaignSender),
      media: queue('Media', config.mediaArchiver),
    };
    this.outputs(scope, config);
    this.acknowledgeNagFindings(config);
  }

  /** The stack outputs of the data: secrets to fill in, queues to redrive, the bucket. */
  private outputs(scope: Construct, config: StageConfig): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(scope, id, { value, description });
    out(
      'WhatsappAppsSecretArn',
      this.appsSecret.secretArn,
      'Fill in: app secrets and verify tokens',
    );
    out(
      'WhatsappAccessTokenSecretArn',
      this.accessTokenSecret.secretArn,
      'Fill in: Graph API token',
    );
    out(
      'DatabaseSecretArn',
      this.database.secret.secretArn,
      'Postgres credentials (RDS-style JSON)',
    );
    if (this.database.host) {
      out(
        'DatabaseHost',
        this.database.host,
        'What the pipeline connects to (RDS Proxy or endpoint)',
      );
    }
    if (this.database.clientSecurityGroup && config.database.kind === 'existing') {
      out(
        'DatabaseClientSecurityGroupId',
        this.database.clientSecurityGroup.securityGroupId,
        'Allow this group on your database (port 5432)',
      );
    }
    for (const [name, pair] of Object.entries(this.queues)) {
      const title = capitalize(name);
      out(`${title}QueueUrl`, pair.queue.queueUrl, `${name} queue`);
      out(`${title}DlqUrl`, pair.dlq.queueUrl, `${name} dead-letter queue`);
      out(`${title}DlqArn`, pair.dlq.queueArn, `source ARN for aws sqs start-message-move-task`);
    }
    out('PayloadBucketName', this.payloads.bucketName, 'Claim-checked webhook bodies');
    out('MediaBucketName', this.media.bucketName, 'Archived media (media/<organization>/…)');
  }

  /** cdk-nag findings on the data that do not apply here, each with its reason. */
  private acknowledgeNagFindings(config: StageConfig): void {
    const stack = Stack.of(this);
    acknowledge(
      stack,
      `AwsSolutions-IAM5[Resource::<${bucketToken(stack, this.payloads)}.Arn>/webhooks/*]`,
      'Object-level access to the claim-check prefix only: every object key is a new payload (webhooks/<date>/<sha256>.json).',
    );
    acknowledge(
      stack,
      `AwsSolutions-IAM5[Resource::<${bucketToken(stack, this.media)}.Arn>/media/*]`,
      'Object-level access to the media prefix only: every object key is a new media item (media/<organization>/<yyyy>/<mm>/<dd>/<media id>).',
    );
    for (const secret of [this.appsSecret, this.accessTokenSecret]) {
      acknowledge(
        secret,
        'AwsSolutions-SMG4',
        "Issued by Meta (app secrets, system user token): rotated in Meta's dashboard, then put here; the receiver accepts two app secrets during a rotation (docs/deploy.md).",
      );
    }
    const db = config.database;
    if (db.kind === 'existing') return;
    acknowledge(
      this.database,
      'AwsSolutions-SMG4',
      'Automatic rotation would change the password under the warm connection pools of every function and task; rotate with the documented procedure (docs/deploy.md), which recycles them.',
    );
    if (db.kind === 'aurora-serverless-v2') {
      acknowledge(
        this.database,
        'AwsSolutions-RDS6',
        'Clients authenticate with the generated password from Secrets Manager (through RDS Proxy when enabled); IAM database tokens would need a signer in every client and cap new connections per second.',
      );
    }
    acknowledge(
      this.database,
      'AwsSolutions-RDS11',
      "A non-default port adds no security: Postgres is in isolated subnets and admits only the pipeline's security groups.",
    );
    if (db.kind === 'rds' && !db.multiAz) {
      acknowledge(
        this.database,
        'AwsSolutions-RDS3',
        `Stage ${config.stage} runs a single-AZ instance by configuration (database.multiAz) to save cost.`,
      );
    }
    if (!db.deletionProtection) {
      acknowledge(
        this.database,
        'AwsSolutions-RDS10',
        `Stage ${config.stage} is disposable by configuration (database.deletionProtection false).`,
      );
    } else if (config.firstDeploy) {
      acknowledge(
        this.database,
        'AwsSolutions-RDS10',
        'First deploy (firstDeploy): protection is turned on by the next deploy, once the stack exists, so that a failed first attempt rolls back completely.',
      );
    }
  }
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The logical id of a bucket, as cdk-nag names it in IAM5 findings. */
export function bucketToken(stack: Stack, bucket: Bucket): string {
  return stack.getLogicalId(bucket.node.defaultChild as CfnBucket);
}
