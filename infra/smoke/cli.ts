// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadStageConfig, stages } from '../config';
import { stackName } from '../lib/app';
import { awsSmokeDeps, smokeClients, type AwsClientOptions } from './aws-smoke-deps';
import {
  errorMessage as message,
  runSmokeTest,
  type SmokeDeps,
  type StepResult,
} from './run-smoke';
import { SMOKE_PHONE_NUMBER_ID, SMOKE_WABA_ID } from './smoke-webhook';

const USAGE = `usage: npm run smoke -- --stage <stage> [options]
Checks a deployed stack end to end with the deployer's AWS credentials (default chain):
reads the stack's outputs, answers Meta's challenge at the callback URL, posts one signed
test webhook for a number no organization owns, and waits for its audit row.
options:
  --stage <name>            the stage (infra/config: ${Object.keys(stages).join(', ')}); the stack is Waba-<stage>
  --app <appId>             the Meta app of the apps secret to test (default: default, /webhook)
  --phone-number-id <id>    the smoke number's phone_number_id (default ${SMOKE_PHONE_NUMBER_ID})
  --waba-id <id>            the smoke number's WABA id (default ${SMOKE_WABA_ID})
  --timeout <seconds>       how long to wait for the audit row (default 120)
  --region <region>         else the stage's region, else the SDK's (AWS_REGION, profile)
exit status: 0 passed, 1 a step failed, 2 bad arguments`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliOverrides {
  aws?: AwsClientOptions;
  deps?: Partial<SmokeDeps>;
}

const LABEL: Record<StepResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** `npm run smoke -- ...` → its exit status. */
export async function runSmokeCli(
  argv: string[],
  io: CliIo,
  overrides: CliOverrides = {},
): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stage: { type: 'string' },
        app: { type: 'string', default: 'default' },
        'phone-number-id': { type: 'string', default: SMOKE_PHONE_NUMBER_ID },
        'waba-id': { type: 'string', default: SMOKE_WABA_ID },
        timeout: { type: 'string', default: '120' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    io.err(`${message(error)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const timeout = Number(args.timeout);
  if (!args.stage || !Number.isFinite(timeout) || timeout <= 0) {
    io.err(`${args.stage ? '--timeout is seconds, above 0' : '--stage is required'}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadStageConfig(args.stage);
  } catch (error) {
    io.err(message(error));
    return 2;
  }

  const region = args.region ?? config.env?.region;
  const aws = awsSmokeDeps(smokeClients({ ...(region ? { region } : {}), ...overrides.aws }));
  const result = await runSmokeTest(
    {
      stackName: stackName(config),
      appId: args.app,
      phoneNumberId: args['phone-number-id'],
      wabaId: args['waba-id'],
      auditTimeoutMs: timeout * 1000,
      auditPollMs: 2000,
      httpTimeoutMs: 15_000,
    },
    {
      ...aws,
      fetch,
      sleep: (ms) => sleep(ms),
      onStep: (s) => io.out(`${LABEL[s.status]} ${s.step.padEnd(11)} ${s.detail}`),
      ...overrides.deps,
    },
  );
  const failed = result.steps.find((s) => s.status === 'fail');
  if (failed) {
    io.out(`smoke test FAILED at "${failed.step}" (stage ${config.stage})`);
    return 1;
  }
  io.out(`smoke test passed (stage ${config.stage}, ${result.steps.length} steps)`);
  return 0;
}

if (require.main === module) {
  runSmokeCli(process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
