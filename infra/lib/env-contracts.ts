import { answerEnvSchema } from '@waba/answer-worker/env';
import { campaignEnvSchema } from '@waba/campaign-sender/env';
import { serviceEnvSchema } from '@waba/consumer-service/env';
import { maintenanceEnvSchema, migrateEnvSchema } from '@waba/db/env';
import { processorEnvSchema } from '@waba/db-processor/env';
import { mediaArchiverEnvSchema } from '@waba/media-archiver/env';
import { receiverEnvSchema } from '@waba/webhook-receiver/env';
import { parseEnv, type EnvSource } from '@waba/whatsapp';

/**
 * The configuration contract of each deployable: the schemas its package
 * validates its environment with at start (each package's `…FromEnv()`).
 * A deployable reading several (the service running every consumer) has all of them; every variable its
 * environment sets must be named by one of them.
 */
export interface EnvContract {
  /** Each schema validates the whole environment at start; a bad or missing variable throws. */
  validate: Array<(env: EnvSource) => unknown>;
  /** Every variable a schema of the deployable names. */
  names: ReadonlySet<string>;
}

/** A zod object schema, classic or mini: what the contract needs of it. */
interface ObjectSchema {
  shape: Record<string, unknown>;
}

function contract(...schemas: Array<ObjectSchema & Parameters<typeof parseEnv>[0]>): EnvContract {
  return {
    // zod classic (the back-off settings) and zod/mini schemas are both zod 4 core types.
    validate: schemas.map((schema) => (env: EnvSource) => parseEnv(schema, env)),
    names: new Set(schemas.flatMap((schema) => Object.keys(schema.shape))),
  };
}

/**
 * Variables the runtime reads, not the package: Node's own, the logger's level
 * (`createLogger` in @waba/whatsapp), the region of the AWS SDK.
 */
export const RUNTIME_VARIABLES: ReadonlySet<string> = new Set([
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'LOG_LEVEL',
  'AWS_REGION',
]);

const processor = contract(processorEnvSchema);
const mediaArchiver = contract(mediaArchiverEnvSchema);

/** The contract of each pipeline function, by its name in `PipelineStack.functions`. */
export const FUNCTION_CONTRACTS = {
  receiver: contract(receiverEnvSchema),
  migrate: contract(migrateEnvSchema),
  maintenance: contract(maintenanceEnvSchema),
  processor,
  answerWorker: contract(answerEnvSchema),
  campaignSender: contract(campaignEnvSchema),
  // The sweep is the archiver's package and reads the same contract.
  mediaArchiver,
  mediaSweep: mediaArchiver,
} as const;

/**
 * The service mode's task: its own settings and those of every consumer it
 * runs (each consumer's `…DepsFromEnv()` reads the same environment).
 */
export const SERVICE_CONTRACT: EnvContract = contract(
  serviceEnvSchema,
  processorEnvSchema,
  answerEnvSchema,
  campaignEnvSchema,
);

/**
 * Checks an environment against a contract as the deployable does at start
 * (an EnvError names each bad or missing variable) and refuses a variable no
 * schema names: a name only infra spells that way is read by nobody.
 */
export function checkEnvironment(c: EnvContract, env: EnvSource): void {
  const unknown = Object.keys(env).filter(
    (name) => !c.names.has(name) && !RUNTIME_VARIABLES.has(name),
  );
  if (unknown.length > 0) throw new Error(`not in the schema: ${unknown.join(', ')}`);
  for (const validate of c.validate) validate(env);
}
