import { Annotations, CfnOutput, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  AmazonLinuxCpuType,
  BastionHostLinux,
  BlockDeviceVolume,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InstanceClass,
  InstanceSize,
  InstanceType,
  IpAddresses,
  MachineImage,
  SubnetType,
  Vpc,
  type ISecurityGroup,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { acknowledge } from '../nag';
import { privateSubnetsWithoutEgress, vpcLookup } from '../vpc-egress';

export interface NetworkProps {
  config: StageConfig;
}

type ExistingVpc = NonNullable<Extract<StageConfig['database'], { kind: 'existing' }>['vpc']>;

/**
 * The pipeline's network: a VPC for a managed database (or the service), an
 * imported one, or none (an existing database reached over the internet by
 * Lambdas outside any VPC); the optional bastion.
 *
 * Like every construct of the pipeline stack, its resources are created in
 * `scope` itself, not under this construct: their logical IDs are those the
 * stack had when it was one constructor, so a deployed stack keeps them.
 */
export class Network extends Construct {
  readonly vpc?: IVpc;
  /** Where the database clients run (private subnets with egress: Graph API, OpenAI, AWS APIs). */
  readonly clientSubnets?: SubnetSelection;
  /** Where its resources are created: the stack (see the class comment). */
  private readonly home: Construct;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.home = scope;
    const { database, mode, logRetentionDays } = props.config;
    if (database.kind === 'existing') {
      if (database.vpc) {
        this.checkEgress(database.vpc);
        const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', {
          vpcId: database.vpc.vpcId,
          availabilityZones: database.vpc.availabilityZones,
          privateSubnetIds: database.vpc.privateSubnetIds,
        });
        this.vpc = vpc;
        this.clientSubnets = { subnets: vpc.privateSubnets };
        return;
      }
      if (mode === 'lambda') return;
    }
    const flowLogs = new LogGroup(scope, 'VpcFlowLogs', {
      retention: logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new Vpc(scope, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: database.kind === 'existing' ? 1 : database.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Claim-check reads stay on the AWS network and cost no NAT data processing.
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        rejected: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.REJECT,
        },
      },
    });
    this.clientSubnets = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  }

  /** What a database client (function, task) needs to run in the clients' subnets: none outside a VPC. */
  clientPlacement(securityGroup?: ISecurityGroup): {
    vpc?: IVpc;
    vpcSubnets?: SubnetSelection;
    securityGroups?: ISecurityGroup[];
  } {
    return this.vpc
      ? {
          vpc: this.vpc,
          vpcSubnets: this.clientSubnets,
          securityGroups: securityGroup ? [securityGroup] : [],
        }
      : {};
  }

  /**
   * The consumers in an existing VPC call the Graph API, OpenAI and AWS APIs:
   * each configured subnet needs a default route through a NAT (or transit)
   * gateway. Checked from a context lookup of the VPC (the CLI fetches it on
   * the first synth and caches it in cdk.context.json); a stack without a
   * concrete account and region cannot look it up, and synth warns instead.
   */
  private checkEgress(vpc: ExistingVpc): void {
    const stack = Stack.of(this.home);
    const unchecked = (why: string) =>
      Annotations.of(stack).addWarningV2(
        'waba:vpc-egress-unchecked',
        `database.vpc ${vpc.vpcId}: the private subnets' route to the internet is not checked (${why}); without a NAT route the consumers time out calling the Graph API, OpenAI and AWS APIs (docs/deploy.md, "An existing VPC")`,
      );
    if (!vpc.checkEgress) return unchecked('database.vpc.checkEgress is false');
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      return unchecked('the stage has no env.account and env.region to look the VPC up in');
    }
    const found = vpcLookup(stack, vpc.vpcId);
    // Undefined on the CLI's first pass: it looks the VPC up and synthesizes again.
    if (!found) return;
    const missing = privateSubnetsWithoutEgress(found, vpc.privateSubnetIds);
    if (missing.length > 0) {
      throw new Error(
        `database.vpc ${vpc.vpcId}: ${missing.map((m) => `${m.subnetId} (${m.reason})`).join(', ')} ` +
          'has no route to the internet through a NAT or transit gateway: the consumers would time out ' +
          'calling the Graph API, OpenAI and AWS APIs. Add a NAT route to those subnets or list others ' +
          '(run `cdk context --reset` after changing routes: the lookup is cached in cdk.context.json).',
      );
    }
  }

  /** An SSM-managed instance in the clients' subnets and security group: a tunnel to the database. */
  addBastion(securityGroup?: ISecurityGroup): BastionHostLinux {
    if (!this.vpc) throw new Error('bastion: the database is not in a VPC');
    const bastion = new BastionHostLinux(this.home, 'Bastion', {
      vpc: this.vpc,
      subnetSelection: this.clientSubnets,
      securityGroup,
      instanceType: InstanceType.of(InstanceClass.T4G, InstanceSize.NANO),
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      requireImdsv2: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(8, { encrypted: true }) },
      ],
    });
    new CfnOutput(this.home, 'BastionInstanceId', {
      value: bastion.instanceId,
      description:
        'aws ssm start-session --target <id> --document-name AWS-StartPortForwardingSessionToRemoteHost',
    });
    acknowledge(bastion, 'AwsSolutions-EC28', 'A tunnel host: basic monitoring is enough.');
    acknowledge(
      bastion,
      'AwsSolutions-EC29',
      'A disposable tunnel host: nothing on it to protect from termination.',
    );
    for (const finding of ['Action::ssmmessages:*', 'Action::ec2messages:*', 'Resource::*']) {
      acknowledge(
        bastion,
        `AwsSolutions-IAM5[${finding}]`,
        'The Session Manager agent permissions BastionHostLinux grants (no resource-level permissions exist for them); the instance has no data permission.',
      );
    }
    return bastion;
  }
}
