import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  type NodejsFunctionProps,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { repoPath, REPO_ROOT } from '../paths';

/**
 * esbuild emits ESM; CommonJS dependencies (pg, pino, kysely's CJS build)
 * call `require` and read `__dirname`, which ESM lacks: the banner defines them.
 */
const ESM_BANNER = [
  "import { createRequire as __wabaCreateRequire } from 'node:module';",
  "import { fileURLToPath as __wabaFileURLToPath } from 'node:url';",
  "import { dirname as __wabaDirname } from 'node:path';",
  'const require = __wabaCreateRequire(import.meta.url);',
  'const __filename = __wabaFileURLToPath(import.meta.url);',
  'const __dirname = __wabaDirname(__filename);',
].join(' ');

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
  /** The handler module, relative to the repository root. */
  entry: string;
  memoryMiB: number;
  timeoutSeconds: number;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The project's Lambda defaults in one place: Node.js 22 on arm64, an ESM
 * bundle built by the local esbuild (no Docker), minified with source maps,
 * the AWS SDK left to the runtime, and its own log group with a retention.
 */
export class WabaFunction extends NodejsFunction {
  /** The function's log group (created here so it has a retention). */
  readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: WabaFunctionProps) {
    const { entry, memoryMiB, timeoutSeconds, logRetention, logRemovalPolicy, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    super(scope, id, {
      ...rest,
      entry: repoPath(entry),
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
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The runtime provides the AWS SDK v3; pg-native is pg's optional native binding.
        externalModules: ['@aws-sdk/*', 'pg-native'],
      },
    });
    this.logs = logGroup;
  }
}
