import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  InstanceType,
  Port,
  SecurityGroup,
  SubnetType,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
  DatabaseInstance,
  DatabaseInstanceEngine,
  ParameterGroup,
  PostgresEngineVersion,
  StorageType,
  type DatabaseProxy,
  type IEngine,
} from 'aws-cdk-lib/aws-rds';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { migrateEnvSchema } from '@waba/db/env';
import { envFor } from '@waba/whatsapp';
import { Construct } from 'constructs';
import type { DatabaseConfig } from '../config/schema';
import { importSecret } from './imported-secret';

/** Where a container finds the RDS CA bundle (baked into infra/container/Dockerfile). */
export const CONTAINER_RDS_CA = '/etc/ssl/certs/rds-global-bundle.pem';
/** Amazon's CA bundle on Lambda's Node.js runtimes, RDS CAs included, loaded only on request. */
export const LAMBDA_RDS_CA = '/var/runtime/ca-cert.pem';

export interface DatabaseProps {
  config: DatabaseConfig;
  /** A first deploy: deletion protection stays off, so that a failed attempt rolls back cleanly. */
  firstDeploy?: boolean;
  /** The VPC of the managed database, or of an existing one; undefined: reached over the internet. */
  vpc?: IVpc;
  /** Where the database clients (Lambdas, tasks) run. */
  clientSubnets?: SubnetSelection;
  logRetention: RetentionDays;
  retainData: boolean;
}

const DATABASE_NAME = 'waba';
const USERNAME = 'waba';

/**
 * The RDS Proxy's name, unique per stack (names are account- and region-wide;
 * a literal would collide with a second stage). Renaming a proxy replaces it,
 * and with it its endpoint (DATABASE_HOST of every client, updated by the same deploy).
 */
export function proxyName(stackName: string): string {
  const name = `${stackName}-proxy`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-');
  return name.slice(0, 60).replace(/-$/, '');
}

/**
 * An engine version as RDS should track it: a major alone (`17`) lets RDS
 * apply minor upgrades with the template unchanged; a pinned minor (`17.9`)
 * turns automatic minor upgrades off, or the instance would drift from the
 * template and a new stage would fail once RDS retires that minor.
 */
export function engineVersion(version: string): {
  full: string;
  major: string;
  autoMinorVersionUpgrade: boolean;
} {
  const major = version.split('.')[0]!;
  return { full: version, major, autoMinorVersionUpgrade: version === major };
}

/**
 * The pipeline's Postgres: an RDS instance or an Aurora Serverless v2
 * cluster (encrypted, private, TLS forced, generated credentials in Secrets
 * Manager, optionally behind RDS Proxy), or an existing database known by
 * its secret. Clients join `clientSecurityGroup` and read their connection
 * settings from `clientEnvironment`.
 */
export class Database extends Construct {
  readonly secret: ISecret;
  /** Undefined when the clients reach an existing database over the internet. */
  readonly clientSecurityGroup?: SecurityGroup;
  readonly proxy?: DatabaseProxy;
  /** Host the clients connect to (proxy or database endpoint); undefined: the secret's host. */
  readonly host?: string;
  /** The clients verify a certificate signed by the RDS CA (direct RDS/Aurora connection). */
  readonly needsRdsCa: boolean;
  readonly sslMode: string;
  readonly metrics: { cpu?: Metric; connections?: Metric; freeableMemory?: Metric };

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = props.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY;
    // Retained like the data, but deleted when the stack's creation rolls back.
    const secretRemoval = props.retainData
      ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
      : RemovalPolicy.DESTROY;

    if (config.kind === 'existing') {
      this.secret = importSecret(this, 'Secret', config.secretArn, config.secretKmsKeyArn);
      this.host = config.host;
      this.sslMode = config.sslMode ?? 'verify-full';
      this.needsRdsCa = false;
      this.metrics = {};
      if (props.vpc) {
        this.clientSecurityGroup = new SecurityGroup(this, 'ClientSg', {
          vpc: props.vpc,
          description: 'Database clients of the pipeline: allow it on your database',
        });
      }
      return;
    }

    const vpc = props.vpc;
    if (!vpc) throw new Error('a managed database needs a VPC');
    const isolated: SubnetSelection = { subnetType: SubnetType.PRIVATE_ISOLATED };
    const dbSg = new SecurityGroup(this, 'DbSg', {
      vpc,
      description: 'Postgres',
      allowAllOutbound: false,
    });
    this.clientSecurityGroup = new SecurityGroup(this, 'ClientSg', {
      vpc,
      description: 'Database clients of the pipeline',
    });
    const credentials = Credentials.fromGeneratedSecret(USERNAME);
    const stackName = Stack.of(this).stackName.toLowerCase();
    const parameters = (engine: IEngine) =>
      new ParameterGroup(this, 'Parameters', {
        engine,
        parameters: {
          'rds.force_ssl': '1',
          // Slow statements reach the postgresql log (exported to CloudWatch).
          log_min_duration_statement: '1000',
        },
      });

    let endpointMetrics: Database['metrics'];
    let proxyTarget: DatabaseInstance | DatabaseCluster;
    if (config.kind === 'rds') {
      const identifier = `${stackName}-postgres`;
      const logs = this.postgresLogs(`/aws/rds/instance/${identifier}/postgresql`, props);
      const version = engineVersion(config.engineVersion);
      const engine = DatabaseInstanceEngine.postgres({
        version: PostgresEngineVersion.of(version.full, version.major),
      });
      const instance = new DatabaseInstance(this, 'Instance', {
        instanceIdentifier: identifier,
        engine,
        instanceType: new InstanceType(config.instanceType),
        vpc,
        vpcSubnets: isolated,
        securityGroups: [dbSg],
        credentials,
        databaseName: DATABASE_NAME,
        parameterGroup: parameters(engine),
        allocatedStorage: config.allocatedStorageGiB,
        maxAllocatedStorage: config.maxAllocatedStorageGiB,
        storageType: StorageType.GP3,
        storageEncrypted: true,
        multiAz: config.multiAz,
        backupRetention: Duration.days(config.backupRetentionDays),
        deletionProtection: config.deletionProtection && !props.firstDeploy,
        removalPolicy,
        autoMinorVersionUpgrade: version.autoMinorVersionUpgrade,
        cloudwatchLogsExports: ['postgresql'],
        enablePerformanceInsights: true,
      });
      instance.node.addDependency(logs);
      endpointMetrics = {
        cpu: instance.metricCPUUtilization(),
        connections: instance.metricDatabaseConnections(),
        freeableMemory: instance.metricFreeableMemory(),
      };
      proxyTarget = instance;
      this.secret = instance.secret!;
    } else {
      const identifier = `${stackName}-aurora`;
      const logs = this.postgresLogs(`/aws/rds/cluster/${identifier}/postgresql`, props);
      const version = engineVersion(config.engineVersion);
      const engine = DatabaseClusterEngine.auroraPostgres({
        version: AuroraPostgresEngineVersion.of(version.full, version.major),
      });
      const instanceOptions = {
        enablePerformanceInsights: true,
        autoMinorVersionUpgrade: version.autoMinorVersionUpgrade,
      };
      const cluster = new DatabaseCluster(this, 'Cluster', {
        clusterIdentifier: identifier,
        engine,
        vpc,
        vpcSubnets: isolated,
        securityGroups: [dbSg],
        credentials,
        defaultDatabaseName: DATABASE_NAME,
        parameterGroup: parameters(engine),
        serverlessV2MinCapacity: config.minCapacity,
        serverlessV2MaxCapacity: config.maxCapacity,
        writer: ClusterInstance.serverlessV2('Writer', instanceOptions),
        readers: Array.from({ length: config.readers }, (_, i) =>
          ClusterInstance.serverlessV2(`Reader${i + 1}`, {
            ...instanceOptions,
            scaleWithWriter: true,
          }),
        ),
        storageEncrypted: true,
        backup: { retention: Duration.days(config.backupRetentionDays) },
        deletionProtection: config.deletionProtection && !props.firstDeploy,
        removalPolicy,
        cloudwatchLogsExports: ['postgresql'],
        iamAuthentication: false,
      });
      cluster.node.addDependency(logs);
      endpointMetrics = {
        cpu: cluster.metricCPUUtilization(),
        connections: cluster.metricDatabaseConnections(),
        freeableMemory: cluster.metricFreeableMemory(),
      };
      proxyTarget = cluster;
      this.secret = cluster.secret!;
    }
    this.metrics = endpointMetrics;
    // The generated credentials live as long as the data: a snapshot without them is hard to use.
    const generated = proxyTarget.node.tryFindChild('Secret');
    if (generated instanceof Secret) generated.applyRemovalPolicy(secretRemoval);

    if (config.proxy) {
      const proxySg = new SecurityGroup(this, 'ProxySg', {
        vpc,
        description: 'RDS Proxy',
        allowAllOutbound: false,
      });
      this.proxy = proxyTarget.addProxy('Proxy', {
        dbProxyName: proxyName(Stack.of(this).stackName),
        vpc,
        vpcSubnets: props.clientSubnets ?? { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        secrets: [this.secret],
        securityGroups: [proxySg],
        requireTLS: true,
        iamAuth: false,
        borrowTimeout: Duration.seconds(30),
        idleClientTimeout: Duration.minutes(30),
      });
      // addProxy opens the proxy → database path itself (both groups); a second rule of ours
      // for the same port and peer would be refused by EC2 as a duplicate.
      proxySg.addIngressRule(this.clientSecurityGroup, Port.tcp(5432), 'pipeline clients');
      this.host = this.proxy.endpoint;
      this.needsRdsCa = false;
    } else {
      dbSg.addIngressRule(this.clientSecurityGroup, Port.tcp(5432), 'pipeline clients');
      this.needsRdsCa = true;
    }
    this.sslMode = 'verify-full';
  }

  /**
   * The log group RDS exports the postgresql log to. RDS decides its name, so
   * it cannot be named per deployment: it is never retained (a retained one
   * would make the next attempt after a failed first deploy fail with
   * "already exists"), and the database depends on it, so that it exists with
   * its retention before RDS writes to it and goes only after the database.
   */
  private postgresLogs(logGroupName: string, props: DatabaseProps): LogGroup {
    return new LogGroup(this, 'PostgresLogs', {
      logGroupName,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** DATABASE_* variables for `databaseUrlFromEnv()` (without the CA bundle path). */
  clientEnvironment(): Record<string, string> {
    // The database part of every function's contract (databaseEnvFields of @waba/db).
    return envFor(migrateEnvSchema, {
      DATABASE_SECRET_ARN: this.secret.secretArn,
      DATABASE_SSLMODE: this.sslMode,
      DATABASE_HOST: this.host ?? undefined,
    });
  }
}
