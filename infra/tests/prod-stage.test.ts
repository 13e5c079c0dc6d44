import { stages } from '../config';
import { resourcesOf, synth, templateFindings, type Synthesized } from './helpers/synth';

let s: Synthesized;

beforeAll(() => {
  s = synth(stages.prod!, { bundle: false });
}, 180_000);
afterAll(() => s?.dispose());

type WithPolicies = { DeletionPolicy?: string; UpdateReplacePolicy?: string };
const policies = (type: string) =>
  Object.entries(resourcesOf(s.template, type)) as Array<[string, WithPolicies]>;

describe('PipelineStack (prod stage)', () => {
  it('the database is snapshotted on deletion and protected from it', () => {
    s.template.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      Properties: { DeletionProtection: true, MultiAZ: true, EngineVersion: '18' },
    });
  });

  it("the database secret is kept with the snapshot (it holds the snapshot's password)", () => {
    const secret = policies('AWS::SecretsManager::Secret').find(([id]) =>
      id.includes('DatabaseInstanceSecret'),
    )![1];
    expect(secret).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('data is retained on deletion but not left behind by a failed first deploy', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret']) {
      for (const [id, r] of policies(type)) {
        expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy: 'RetainExceptOnCreate' });
      }
    }
  });

  it('no log group with a fixed name is retained (the next attempt would find it there)', () => {
    const named = Object.entries(resourcesOf(s.template, 'AWS::Logs::LogGroup')).filter(
      ([, g]) => g.Properties!.LogGroupName !== undefined,
    ) as Array<[string, WithPolicies]>;
    expect(named.length).toBeGreaterThan(0);
    for (const [id, g] of named) {
      expect({ id, policy: g.DeletionPolicy }).toEqual({ id, policy: 'Delete' });
    }
  });

  it('the RDS Proxy is named for this stage', () => {
    s.template.hasResourceProperties('AWS::RDS::DBProxy', { DBProxyName: 'waba-prod-proxy' });
  });

  it('passes the template checks', () => {
    expect(templateFindings(s)).toEqual([]);
  });

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nagViolations).toEqual([]);
  });
});
