import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import {
  checkTemplate,
  customResourcesMissingDependencies,
  duplicateSecurityGroupRules,
  eventSourceVisibilityTooShort,
  TemplateChecks,
  unscopedPhysicalNames,
  type CfnTemplate,
} from '../lib/checks/template-checks';

const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });
const ref = (id: string) => ({ Ref: id });

/** The proxy → database rules as the original stack rendered them: addProxy's and our own. */
const proxyRules = (ours: boolean): CfnTemplate => ({
  Resources: {
    Db: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres' } },
    DbSg: { Type: 'AWS::EC2::SecurityGroup', Properties: {} },
    ProxySg: { Type: 'AWS::EC2::SecurityGroup', Properties: {} },
    FromProxyIndirectPort: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: getAtt('DbSg', 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: getAtt('Db', 'Endpoint.Port'),
        ToPort: getAtt('Db', 'Endpoint.Port'),
        SourceSecurityGroupId: getAtt('ProxySg', 'GroupId'),
      },
    },
    ...(ours
      ? {
          FromProxy5432: {
            Type: 'AWS::EC2::SecurityGroupIngress',
            Properties: {
              GroupId: getAtt('DbSg', 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              SourceSecurityGroupId: getAtt('ProxySg', 'GroupId'),
            },
          },
        }
      : {}),
  },
});

describe('duplicateSecurityGroupRules()', () => {
  it("finds our proxy → database rule repeating addProxy's (the endpoint port resolves to 5432)", () => {
    expect(duplicateSecurityGroupRules(proxyRules(true))).toEqual([
      expect.objectContaining({
        check: 'duplicate-security-group-rule',
        logicalId: 'FromProxy5432',
        message: expect.stringContaining('FromProxyIndirectPort'),
      }),
    ]);
    expect(duplicateSecurityGroupRules(proxyRules(false))).toEqual([]);
  });

  it('compares inline rules too, and protocol numbers with names', () => {
    const t: CfnTemplate = {
      Resources: {
        Sg: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            SecurityGroupIngress: [
              { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8' },
            ],
          },
        },
        Again: {
          Type: 'AWS::EC2::SecurityGroupIngress',
          Properties: {
            GroupId: ref('Sg'),
            IpProtocol: '6',
            FromPort: '443',
            ToPort: 443,
            CidrIp: '10.0.0.0/8',
          },
        },
      },
    };
    expect(duplicateSecurityGroupRules(t)).toHaveLength(1);
  });

  it.each([
    ['another peer', { CidrIp: '10.1.0.0/16' }],
    ['another port', { FromPort: 444, ToPort: 444 }],
    ['another protocol', { IpProtocol: 'udp' }],
  ])('keeps rules that differ in %s', (_, change) => {
    const base = {
      GroupId: ref('Sg'),
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      CidrIp: '10.0.0.0/16',
    };
    const t: CfnTemplate = {
      Resources: {
        Sg: { Type: 'AWS::EC2::SecurityGroup' },
        A: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: base },
        B: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { ...base, ...change } },
      },
    };
    expect(duplicateSecurityGroupRules(t)).toEqual([]);
  });
});

describe('unscopedPhysicalNames()', () => {
  const named = (type: string, props: Record<string, unknown>): CfnTemplate => ({
    Resources: { R: { Type: type, Properties: props } },
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['the proxy named "Proxy"', 'AWS::RDS::DBProxy', { DBProxyName: 'Proxy' }],
    [
      'a launch template named by its construct id',
      'AWS::EC2::LaunchTemplate',
      { LaunchTemplateName: 'ResourceLaunchTemplate' },
    ],
    [
      'a name made of a literal and the region only',
      'AWS::SQS::Queue',
      {
        QueueName: { 'Fn::Join': ['-', ['ingest', { Ref: 'AWS::Region' }]] },
      },
    ],
    ['an RDS identifier', 'AWS::RDS::DBInstance', { DBInstanceIdentifier: 'postgres' }],
  ])('finds %s', (_, type, props) => {
    expect(unscopedPhysicalNames(named(type, props), 'Waba-dev')).toEqual([
      expect.objectContaining({ check: 'unscoped-physical-name', logicalId: 'R' }),
    ]);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['a name with the stack name', 'AWS::RDS::DBProxy', { DBProxyName: 'waba-dev-proxy' }],
    [
      "CDK's unique name (the path without separators)",
      'AWS::EC2::LaunchTemplate',
      {
        LaunchTemplateName: 'WabadevBastionLaunchTemplate46378E5C',
      },
    ],
    [
      'a name joined with AWS::StackName',
      'AWS::SQS::Queue',
      {
        QueueName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'ingest']] },
      },
    ],
    [
      'a name referring to another resource',
      'AWS::Logs::MetricFilter',
      { LogGroupName: { Ref: 'Logs' } },
    ],
    ['a database name inside the instance', 'AWS::RDS::DBInstance', { DBName: 'waba' }],
    [
      "the proxy's target group, which must be named default",
      'AWS::RDS::DBProxyTargetGroup',
      {
        TargetGroupName: 'default',
      },
    ],
  ])('accepts %s', (_, type, props) => {
    expect(unscopedPhysicalNames(named(type, props), 'Waba-dev')).toEqual([]);
  });
});

describe('customResourcesMissingDependencies()', () => {
  /** Migrations as the original stack wired them: to the proxy's endpoint only. */
  const migrations = (dependsOn?: string[]): CfnTemplate => ({
    Resources: {
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres' } },
      Proxy: { Type: 'AWS::RDS::DBProxy', Properties: { DBProxyName: 'waba-dev-proxy' } },
      Target: {
        Type: 'AWS::RDS::DBProxyTargetGroup',
        Properties: { DBProxyName: ref('Proxy'), DBInstanceIdentifiers: [ref('Db')] },
      },
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: { Environment: { Variables: { DATABASE_HOST: getAtt('Proxy', 'Endpoint') } } },
      },
      Migrations: {
        Type: 'Custom::WabaMigrations',
        Properties: {
          ServiceToken: getAtt('Handler', 'Arn'),
          Database: getAtt('Proxy', 'Endpoint'),
        },
        ...(dependsOn ? { DependsOn: dependsOn } : {}),
      },
    },
  });

  it("finds migrations that may run before the proxy's target group exists", () => {
    expect(customResourcesMissingDependencies(migrations())).toEqual([
      expect.objectContaining({
        check: 'custom-resource-dependency',
        logicalId: 'Migrations',
        message: expect.stringMatching(/uses Proxy .* does not depend on Target/),
      }),
    ]);
    expect(customResourcesMissingDependencies(migrations(['Target']))).toEqual([]);
  });

  it("follows the provider function: a role's policy, a cluster's writer", () => {
    const t: CfnTemplate = {
      Resources: {
        Cluster: { Type: 'AWS::RDS::DBCluster', Properties: {} },
        Writer: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBClusterIdentifier: ref('Cluster') },
        },
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
        Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [ref('Role')] } },
        Handler: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Role: getAtt('Role', 'Arn'),
            Environment: { Variables: { HOST: { 'Fn::Sub': '${Cluster.Endpoint.Address}' } } },
          },
        },
        Migrations: {
          Type: 'Custom::WabaMigrations',
          Properties: { ServiceToken: getAtt('Handler', 'Arn') },
        },
      },
    };
    expect(customResourcesMissingDependencies(t).map((f) => f.message)).toEqual([
      expect.stringMatching(/uses Role .* does not depend on Policy/),
      expect.stringMatching(/uses Cluster .* does not depend on Writer/),
    ]);
  });
});

describe('eventSourceVisibilityTooShort()', () => {
  const mapping = (
    visibility: number | undefined,
    timeout: number,
    window?: number,
  ): CfnTemplate => ({
    Resources: {
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: visibility === undefined ? {} : { VisibilityTimeout: visibility },
      },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Timeout: timeout } },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: getAtt('Queue', 'Arn'),
          FunctionName: ref('Fn'),
          ...(window === undefined ? {} : { MaximumBatchingWindowInSeconds: window }),
        },
      },
    },
  });

  it.each([
    ['the default 30 s for a 30 s function', undefined, 30, undefined],
    ['6 × timeout without the batching window', 180, 30, 1],
  ])('finds %s', (_, visibility, timeout, window) => {
    expect(eventSourceVisibilityTooShort(mapping(visibility, timeout, window))).toEqual([
      expect.objectContaining({ check: 'event-source-visibility', logicalId: 'Mapping' }),
    ]);
  });

  it('accepts 6 × timeout + window', () => {
    expect(eventSourceVisibilityTooShort(mapping(181, 30, 1))).toEqual([]);
  });
});

describe('TemplateChecks (the synth-time plugin)', () => {
  it('fails synthesis of a stack with a finding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'template-checks-app-'));
    try {
      const app = new App({ outdir: dir });
      Validations.of(app).addPlugins(new TemplateChecks());
      const stack = new Stack(app, 'Waba-test');
      new CfnResource(stack, 'Proxy', {
        type: 'AWS::RDS::DBProxy',
        properties: { DBProxyName: 'Proxy' },
      });
      expect(() => app.synth()).toThrow(
        /ERROR A fixed physical name[^]*waba-template-checks::unscoped-physical-name/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every finding of a stack template as a failed validation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'template-checks-'));
    try {
      const templatePath = join(dir, 'Waba-dev.template.json');
      writeFileSync(templatePath, JSON.stringify(proxyRules(true)));
      const report = new TemplateChecks().validate({
        templatePaths: [templatePath],
        stackTemplates: [
          { stackConstructPath: 'Waba-dev', templatePath, accountId: undefined, region: undefined },
        ],
        appConstruct: new App(),
      });
      expect(report.success).toBe(false);
      expect(report.violations.map((v) => v.ruleName)).toEqual(['duplicate-security-group-rule']);
      expect(checkTemplate(proxyRules(false), 'Waba-dev')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
