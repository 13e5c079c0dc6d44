import { App, ContextProvider, Stack } from 'aws-cdk-lib';
import { privateSubnetsWithoutEgress, vpcLookupQuery, type VpcLookup } from '../lib/vpc-egress';
import { build, stageInput } from './helpers/synth';

const VPC = 'vpc-0123456789abcdef0';
const NAT = 'subnet-0aaaaaaaaaaaaaaa1';
const ISOLATED = 'subnet-0bbbbbbbbbbbbbbb2';
const env = { account: '123456789012', region: 'eu-west-1' };

/** What the CLI's VPC lookup answers for the test VPC. */
const lookup: VpcLookup = {
  vpcId: VPC,
  subnetGroups: [
    { name: 'app', type: 'Private', subnets: [{ subnetId: NAT }] },
    { name: 'data', type: 'Isolated', subnets: [{ subnetId: ISOLATED }] },
  ],
};

/** The context the CLI would have written to cdk.context.json after the lookup. */
function lookedUp(): Record<string, unknown> {
  const scope = new Stack(new App(), 'Key', { env });
  return { [ContextProvider.getKey(scope, vpcLookupQuery(VPC)).key]: lookup };
}

const inExistingVpc = (subnets: string[], withEnv = true) =>
  stageInput({
    ...(withEnv ? { env } : {}),
    database: {
      kind: 'existing',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:waba/db-AbCdEf',
      vpc: { vpcId: VPC, availabilityZones: ['eu-west-1a'], privateSubnetIds: subnets },
    },
  });

const warnings = (stack: Stack) =>
  stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));

describe('existing VPC: a route to the internet from the private subnets', () => {
  it('fails synth for a subnet without a NAT route, naming it', () => {
    expect(() => build(inExistingVpc([NAT, ISOLATED]), { context: lookedUp() })).toThrow(
      new RegExp(`${ISOLATED} \\(isolated: no default route\\).*NAT`),
    );
  });

  it('accepts subnets routed through a NAT gateway, without a warning', () => {
    const { stack } = build(inExistingVpc([NAT]), { context: lookedUp() });
    expect(warnings(stack).filter((w) => w.includes('not checked'))).toEqual([]);
  });

  it('warns when the stage has no account and region to look the VPC up in', () => {
    const { stack } = build(inExistingVpc([ISOLATED], false));
    expect(warnings(stack)).toContainEqual(
      expect.stringMatching(/route to the internet is not checked/),
    );
  });
});

describe('privateSubnetsWithoutEgress()', () => {
  it('names isolated, public and unknown subnets', () => {
    const withPublic: VpcLookup = {
      ...lookup,
      subnetGroups: [
        ...lookup.subnetGroups!,
        { name: 'pub', type: 'Public', subnets: [{ subnetId: 'subnet-p' }] },
      ],
    };
    expect(
      privateSubnetsWithoutEgress(withPublic, [NAT, ISOLATED, 'subnet-p', 'subnet-x']),
    ).toEqual([
      { subnetId: ISOLATED, reason: expect.stringMatching(/^isolated/) },
      { subnetId: 'subnet-p', reason: expect.stringMatching(/^public/) },
      { subnetId: 'subnet-x', reason: `not a subnet of ${VPC}` },
    ]);
  });
});
