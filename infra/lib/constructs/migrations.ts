import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { CustomResource, type RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { repoPath } from '../paths';
import { WabaFunction } from './waba-function';

export interface MigrationsProps {
  environment: Record<string, string>;
  vpc?: IVpc;
  vpcSubnets?: SubnetSelection;
  securityGroups?: ISecurityGroup[];
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Changes when the database changes: the migrations run again against the new one. */
  databaseId: string;
}

/** A digest of db/migrations: a new or edited migration makes CloudFormation update the resource. */
export function migrationsDigest(dir = repoPath('db', 'migrations')): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(`${dir}/${name}`))
      .update('\0');
  }
  return hash.digest('hex');
}

/**
 * Applies the database migrations on every deployment that changes them: a
 * custom resource (CDK Provider framework) backed by db/src/migrate-handler.ts.
 * Create and Update migrate to latest (idempotent); Delete leaves the schema.
 */
export class Migrations extends Construct {
  readonly fn: WabaFunction;
  readonly resource: CustomResource;
  readonly provider: Provider;

  constructor(scope: Construct, id: string, props: MigrationsProps) {
    super(scope, id);
    this.fn = new WabaFunction(this, 'Function', {
      description: 'Applies pending Postgres migrations (CloudFormation custom resource)',
      bundle: 'migrate',
      memoryMiB: 256,
      timeoutSeconds: 600,
      environment: props.environment,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.provider = new Provider(this, 'Provider', {
      onEventHandler: this.fn,
      logGroup: new LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention,
        removalPolicy: props.logRemovalPolicy,
      }),
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::WabaMigrations',
      properties: { MigrationsDigest: migrationsDigest(), Database: props.databaseId },
    });
  }
}
