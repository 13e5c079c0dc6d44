import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AuroraPostgresEngineVersion, PostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import { stages } from '../config';
import { parseStageConfig, type StageConfigInput } from '../lib/config/schema';
import { Database, engineVersion, proxyName } from '../lib/constructs/database';

type Managed = Extract<StageConfigInput['database'], { kind: 'rds' | 'aurora-serverless-v2' }>;

/** The Database construct alone, in a VPC like the stack's (no functions, no cdk-nag). */
function template(
  database: Partial<Managed> & { kind?: Managed['kind'] },
  options: { firstDeploy?: boolean; retainData?: boolean } = {},
): Template {
  const stack = new Stack(new App(), 'Waba-test');
  const vpc = new Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: SubnetType.PUBLIC },
      { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const config = parseStageConfig({
    ...stages.prod!,
    database: { ...(stages.prod!.database as Managed), ...database } as Managed,
  });
  new Database(stack, 'Database', {
    config: config.database,
    vpc,
    logRetention: RetentionDays.ONE_WEEK,
    retainData: options.retainData ?? true,
    firstDeploy: options.firstDeploy,
  });
  return Template.fromStack(stack);
}

const aurora: Partial<Managed> = {
  kind: 'aurora-serverless-v2',
  engineVersion: '18.6',
  minCapacity: 0.5,
  maxCapacity: 2,
  readers: 0,
} as Partial<Managed>;

describe('Database', () => {
  it('first deploy: deletion protection stays off although the stage asks for it', () => {
    template({}, { firstDeploy: true }).hasResourceProperties('AWS::RDS::DBInstance', {
      DeletionProtection: false,
    });
    template({}).hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true });
    template(aurora, { firstDeploy: true }).hasResourceProperties('AWS::RDS::DBCluster', {
      DeletionProtection: false,
    });
  });

  it.each([
    ['18', true],
    ['18.3', false],
  ])('engine %s: automatic minor upgrades %s', (version, auto) => {
    template({ engineVersion: version }).hasResourceProperties('AWS::RDS::DBInstance', {
      EngineVersion: version,
      AutoMinorVersionUpgrade: auto,
    });
  });

  it.each([
    ['RDS, major only', {}, 'AWS::RDS::DBParameterGroup', 'postgres18'],
    ['RDS, pinned minor', { engineVersion: '18.3' }, 'AWS::RDS::DBParameterGroup', 'postgres18'],
    ['Aurora', aurora, 'AWS::RDS::DBClusterParameterGroup', 'aurora-postgresql18'],
  ])('%s: the parameter group family is the engine major', (_, database, type, family) => {
    template(database).hasResourceProperties(type, { Family: family });
  });

  it('every stage provisions a Postgres version aws-cdk-lib lists for its engine', () => {
    const listed = (versions: object, key: string) =>
      Object.values(versions).map((v) => (v as Record<string, string>)[key]);
    const offered = {
      rds: listed(PostgresEngineVersion, 'postgresFullVersion'),
      'aurora-serverless-v2': listed(AuroraPostgresEngineVersion, 'auroraPostgresFullVersion'),
    };
    for (const stage of [...Object.values(stages), { database: aurora as Managed }]) {
      const db = stage!.database;
      if (db.kind === 'existing') continue;
      expect(offered[db.kind]).toContain(db.engineVersion);
    }
  });

  it("the postgresql log group is not retained even when the data is, and the cluster's too", () => {
    for (const t of [template({}), template(aurora)]) {
      t.hasResource('AWS::Logs::LogGroup', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ LogGroupName: Match.stringLikeRegexp('^/aws/rds/') }),
      });
    }
  });

  it('retainData keeps the generated secret (RetainExceptOnCreate); otherwise it goes', () => {
    template({}).hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template({}, { retainData: false }).hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Delete',
    });
  });
});

describe('proxyName()', () => {
  it.each([
    ['Waba-dev', 'waba-dev-proxy'],
    ['Waba-prod', 'waba-prod-proxy'],
    ['Waba_a--b', 'waba-a-b-proxy'],
  ])('%s → %s', (stack, name) => {
    expect(proxyName(stack)).toBe(name);
    expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
});

describe('engineVersion()', () => {
  it('a major alone upgrades automatically; a minor is a pin', () => {
    expect(engineVersion('18')).toEqual({ full: '18', major: '18', autoMinorVersionUpgrade: true });
    expect(engineVersion('18.3')).toEqual({
      full: '18.3',
      major: '18',
      autoMinorVersionUpgrade: false,
    });
  });
});
