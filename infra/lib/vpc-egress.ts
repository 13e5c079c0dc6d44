import { ContextProvider } from 'aws-cdk-lib';
import { ContextProvider as Provider } from 'aws-cdk-lib/cloud-assembly-schema';
import type { Construct } from 'constructs';

/**
 * The part of the CDK CLI's VPC lookup the egress check reads. The CLI types
 * each subnet from its route table: `Public` (a route to an internet gateway),
 * `Private` (a default route through a NAT or transit gateway), `Isolated`
 * (neither), unless the subnet carries an `aws-cdk:subnet-type` tag.
 */
export interface VpcLookup {
  vpcId: string;
  subnetGroups?: Array<{ name: string; type: string; subnets: Array<{ subnetId: string }> }>;
}

/** The context query of the lookup: also what a test provides as context. */
export function vpcLookupQuery(vpcId: string): {
  provider: Provider;
  props: Record<string, unknown>;
} {
  return {
    provider: Provider.VPC_PROVIDER,
    props: { filter: { 'vpc-id': vpcId }, returnAsymmetricSubnets: true },
  };
}

/**
 * The VPC as the CLI looked it up, or undefined while the lookup is pending
 * (the CLI then looks it up and synthesizes again). Needs a stack with a
 * concrete account and region.
 */
export function vpcLookup(scope: Construct, vpcId: string): VpcLookup | undefined {
  return ContextProvider.getValue(scope, { ...vpcLookupQuery(vpcId), dummyValue: undefined })
    .value as VpcLookup | undefined;
}

/** The configured subnets without a route to the internet through a NAT or transit gateway. */
export function privateSubnetsWithoutEgress(
  vpc: VpcLookup,
  subnetIds: readonly string[],
): Array<{ subnetId: string; reason: string }> {
  const typeOf = new Map<string, string>();
  for (const group of vpc.subnetGroups ?? []) {
    for (const subnet of group.subnets) typeOf.set(subnet.subnetId, group.type);
  }
  const reasons: Record<string, string> = {
    Isolated: 'isolated: no default route',
    Public: 'public: an internet gateway gives functions no address to use it',
  };
  return subnetIds.flatMap((subnetId) => {
    const type = typeOf.get(subnetId);
    if (type === 'Private') return [];
    return [{ subnetId, reason: type ? (reasons[type] ?? type) : `not a subnet of ${vpc.vpcId}` }];
  });
}
