import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING, LAMBDA_ENTRIES, type LambdaName } from '../bundling';
import { repoPath, REPO_ROOT } from '../paths';

export interface WabaFunctionProps extends Omit<
  NodejsFunctionProps,
  | 'entry'
  | 'runtime'
  | 'architecture'
  | 'bundling'
  | 'projectRoot'
  | 'depsLockFilePath'
  | 'logGroup'
  | 'memorySize'
  | 'timeout'
> {
  /**
   * Which of the pipeline's bundles the function runs: its handler module is
   * `LAMBDA_ENTRIES[bundle]`, the entry buildBundles() builds too.
   */
  bundle: LambdaName;
  memoryMiB: number;
  timeoutSeconds: number;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** Where a function logs and how long: shared by every function of a stack. */
export type LogSettings = Pick<WabaFunctionProps, 'logRetention' | 'logRemovalPolicy'>;

/**
 * The project's Lambda defaults in one place: Node.js 22 on arm64, an ESM
 * bundle built by the local esbuild (no Docker), minified with source maps,
 * the AWS SDK left to the runtime, and its own log group with a retention.
 */
export class WabaFunction extends NodejsFunction {
  /** The function's log group (created here so it has a retention). */
  readonly logs: LogGroup;
  /** The bundle it runs (LAMBDA_ENTRIES). */
  readonly bundle: LambdaName;

  constructor(scope: Construct, id: string, props: WabaFunctionProps) {
    const { bundle, memoryMiB, timeoutSeconds, logRetention, logRemovalPolicy, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    super(scope, id, {
      ...rest,
      entry: repoPath(LAMBDA_ENTRIES[bundle]),
      handler: rest.handler ?? 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: memoryMiB,
      timeout: Duration.seconds(timeoutSeconds),
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        LOG_LEVEL: 'info',
        ...rest.environment,
      },
      bundling: LAMBDA_BUNDLING,
    });
    this.logs = logGroup;
    this.bundle = bundle;
  }
}
