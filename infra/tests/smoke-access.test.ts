import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { refId, resourcesOf, stageInput, synth, type Synthesized } from './helpers/synth';

let s: Synthesized;

beforeAll(() => {
  s = synth(stageInput(), { bundle: false });
}, 120_000);
afterAll(() => s?.dispose());

const maintenanceId = () =>
  s.stack.getLogicalId(s.stack.functions.maintenance.node.defaultChild as CfnFunction);

describe('PipelineStack: what npm run smoke needs', () => {
  it('outputs the maintenance function that answers find-audit', () => {
    const out = s.template.findOutputs('MaintenanceFunctionName').MaintenanceFunctionName as {
      Value: unknown;
    };
    expect(refId(out.Value)).toBe(maintenanceId());
    const fn = resourcesOf(s.template, 'AWS::Lambda::Function')[maintenanceId()]!;
    expect(String(fn.Properties!.Description)).toMatch(/partitions/);
  });

  it('a managed policy with exactly the three grants of the smoke test, attached to nobody', () => {
    const policies = Object.entries(resourcesOf(s.template, 'AWS::IAM::ManagedPolicy'));
    const out = s.template.findOutputs('SmokeTestPolicyArn').SmokeTestPolicyArn as {
      Value: unknown;
    };
    const [id, policy] = policies.find(([logicalId]) => logicalId === refId(out.Value))!;
    expect(id).toMatch(/^SmokeTestPolicy/);
    const props = policy.Properties!;
    // The operator attaches it to the deployer or CI role; the stack grants nobody.
    expect([props.Roles, props.Users, props.Groups, props.ManagedPolicyName]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const appsSecretId = refId(
      (s.template.findOutputs('WhatsappAppsSecretArn').WhatsappAppsSecretArn as { Value: unknown })
        .Value,
    );
    expect((props.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStacks',
        Resource: { Ref: 'AWS::StackId' },
      },
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: appsSecretId },
      },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [maintenanceId(), 'Arn'] },
      },
    ]);
  });
});
