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
import { Construct } from 'constructs';
import type { DatabaseConfig } from '../config/schema';

/** Where a container finds the RDS CA bundle (baked into infra/container/Dockerfile). */
export const CONTAINER_RDS_CA = '/etc/ssl/certs/rds-global-bundle.pem';
/** Amazon's CA bundle on Lambda's Node.js runtimes, RDS CAs included, loaded only on request. */
export const LAMBDA_RDS_CA = '/var/runtime/ca-cert.pem';

export interface DatabaseProps {
  config: DatabaseConfig;
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

    if (config.kind === 'existing') {
      this.secret = Secret.fromSecretCompleteArn(this, 'Secret', config.secretArn);
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
      new LogGroup(this, 'PostgresLogs', {
        logGroupName: `/aws/rds/instance/${identifier}/postgresql`,
        retention: props.logRetention,
        removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const engine = DatabaseInstanceEngine.postgres({
        version: PostgresEngineVersion.of(
          config.engineVersion,
          config.engineVersion.split('.')[0]!,
        ),
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
        deletionProtection: config.deletionProtection,
        removalPolicy,
        autoMinorVersionUpgrade: true,
        cloudwatchLogsExports: ['postgresql'],
        enablePerformanceInsights: true,
      });
      endpointMetrics = {
        cpu: instance.metricCPUUtilization(),
        connections: instance.metricDatabaseConnections(),
        freeableMemory: instance.metricFreeableMemory(),
      };
      proxyTarget = instance;
      this.secret = instance.secret!;
    } else {
      const identifier = `${stackName}-aurora`;
      new LogGroup(this, 'PostgresLogs', {
        logGroupName: `/aws/rds/cluster/${identifier}/postgresql`,
        retention: props.logRetention,
        removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const engine = DatabaseClusterEngine.auroraPostgres({
        version: AuroraPostgresEngineVersion.of(
          config.engineVersion,
          config.engineVersion.split('.')[0]!,
        ),
      });
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
        writer: ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: true }),
        readers: Array.from({ length: config.readers }, (_, i) =>
          ClusterInstance.serverlessV2(`Reader${i + 1}`, {
            scaleWithWriter: true,
            enablePerformanceInsights: true,
          }),
        ),
        storageEncrypted: true,
        backup: { retention: Duration.days(config.backupRetentionDays) },
        deletionProtection: config.deletionProtection,
        removalPolicy,
        cloudwatchLogsExports: ['postgresql'],
        iamAuthentication: false,
      });
      endpointMetrics = {
        cpu: cluster.metricCPUUtilization(),
        connections: cluster.metricDatabaseConnections(),
        freeableMemory: cluster.metricFreeableMemory(),
      };
      proxyTarget = cluster;
      this.secret = cluster.secret!;
    }
    this.metrics = endpointMetrics;

    if (config.proxy) {
      const proxySg = new SecurityGroup(this, 'ProxySg', {
        vpc,
        description: 'RDS Proxy',
        allowAllOutbound: false,
      });
      this.proxy = proxyTarget.addProxy('Proxy', {
        vpc,
        vpcSubnets: props.clientSubnets ?? { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        secrets: [this.secret],
        securityGroups: [proxySg],
        requireTLS: true,
        iamAuth: false,
        borrowTimeout: Duration.seconds(30),
        idleClientTimeout: Duration.minutes(30),
      });
      proxySg.addIngressRule(this.clientSecurityGroup, Port.tcp(5432), 'pipeline clients');
      proxySg.addEgressRule(dbSg, Port.tcp(5432), 'proxy to Postgres');
      dbSg.addIngressRule(proxySg, Port.tcp(5432), 'RDS Proxy');
      this.host = this.proxy.endpoint;
      this.needsRdsCa = false;
    } else {
      dbSg.addIngressRule(this.clientSecurityGroup, Port.tcp(5432), 'pipeline clients');
      this.needsRdsCa = true;
    }
    this.sslMode = 'verify-full';
  }

  /** DATABASE_* variables for `databaseUrlFromEnv()` (without the CA bundle path). */
  clientEnvironment(): Record<string, string> {
    const env: Record<string, string> = {
      DATABASE_SECRET_ARN: this.secret.secretArn,
      DATABASE_SSLMODE: this.sslMode,
    };
    if (this.host) env.DATABASE_HOST = this.host;
    return env;
  }
}
