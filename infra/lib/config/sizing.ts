import type { ConsumerConfig, StageConfig } from './schema';

/** Lambda's limits on an SQS event source mapping's maximum concurrency. */
export const ESM_MIN_CONCURRENCY = 2;
export const ESM_MAX_CONCURRENCY = 1000;

export type ConsumerName = 'processor' | 'answerWorker' | 'campaignSender' | 'mediaArchiver';
export const CONSUMERS: readonly ConsumerName[] = [
  'processor',
  'answerWorker',
  'campaignSender',
  'mediaArchiver',
];
/** Consumers that stay Lambdas behind their event source mapping in service mode too. */
export const LAMBDA_CONSUMERS: readonly ConsumerName[] = ['mediaArchiver'];

export interface ConsumerSizing {
  /** The event source mapping's maximumConcurrency. */
  maxConcurrency: number;
  /** DB_POOL_MAX of each instance. */
  dbPoolMax: number;
  /** maxConcurrency × dbPoolMax: the most connections this consumer can open. */
  connections: number;
}

export interface ConnectionPlan {
  budget: number;
  reserved: number;
  consumers: Record<ConsumerName, ConsumerSizing>;
  /** Service mode: tasks × pool size. */
  service?: { maxTasks: number; dbPoolMax: number; connections: number };
  /** Everything the pipeline can open at most, reserved connections included. */
  total: number;
}

/**
 * AWS's rule for a queue feeding Lambda: the visibility timeout is at least
 * six times the function's timeout plus the batching window, so a message is
 * not handed out again while a throttled or retried invocation still holds it.
 */
export function visibilityTimeoutSeconds(consumer: {
  timeoutSeconds: number;
  batchingWindowSeconds: number;
}): number {
  return 6 * consumer.timeoutSeconds + consumer.batchingWindowSeconds;
}

/**
 * Splits the database connection budget: after the reserved connections,
 * each consumer gets its share, and its event source mapping's maximum
 * concurrency is what that share holds at its pool size, so that
 * Σ maxConcurrency × DB_POOL_MAX + reserved ≤ budget. Throws when a share is
 * too small for Lambda's minimum concurrency of 2, or when reserved
 * concurrency would throttle the mapping below its maximum. In service mode
 * the task's pools and the consumers that stay Lambdas (the media archiver)
 * share what is left after the reserve. The media sweep (concurrency 1, one
 * connection) runs from the reserved connections.
 */
export function connectionPlan(config: StageConfig): ConnectionPlan {
  const available = config.connectionBudget - config.reservedConnections;
  if (available <= 0) {
    throw new Error(
      `connectionBudget ${config.connectionBudget} leaves nothing after ${config.reservedConnections} reserved connections`,
    );
  }
  const consumer = (name: ConsumerName): ConsumerConfig => config[name];
  const shares = CONSUMERS.reduce((sum, name) => sum + consumer(name).connectionShare, 0);
  const consumers = {} as Record<ConsumerName, ConsumerSizing>;
  for (const name of CONSUMERS) {
    const c = consumer(name);
    const fits = Math.floor((available * c.connectionShare) / shares / c.dbPoolMax);
    const maxConcurrency = Math.min(ESM_MAX_CONCURRENCY, fits);
    const isLambda = config.mode === 'lambda' || LAMBDA_CONSUMERS.includes(name);
    if (isLambda && maxConcurrency < ESM_MIN_CONCURRENCY) {
      throw new Error(
        `${name}: its share of the connection budget holds ${fits} instance(s) of ${c.dbPoolMax} connection(s); ` +
          `an SQS event source needs at least ${ESM_MIN_CONCURRENCY}: raise connectionBudget or its connectionShare`,
      );
    }
    if (c.reservedConcurrency !== undefined && c.reservedConcurrency < maxConcurrency) {
      throw new Error(
        `${name}: reservedConcurrency ${c.reservedConcurrency} is below the mapping's maximum concurrency ${maxConcurrency}: ` +
          'Lambda would throttle the mapping and count receives toward the DLQ',
      );
    }
    consumers[name] = {
      maxConcurrency,
      dbPoolMax: c.dbPoolMax,
      connections: maxConcurrency * c.dbPoolMax,
    };
  }
  const lambdaConnections = LAMBDA_CONSUMERS.reduce(
    (sum, name) => sum + consumers[name].connections,
    0,
  );
  let service: ConnectionPlan['service'];
  if (config.mode === 'service' && config.service) {
    const { maxTasks, dbPoolMax } = config.service;
    service = { maxTasks, dbPoolMax, connections: maxTasks * dbPoolMax };
    const left = available - lambdaConnections;
    if (service.connections > left) {
      throw new Error(
        `service: ${maxTasks} task(s) × pool ${dbPoolMax} = ${service.connections} connections exceed the ${left} available`,
      );
    }
  }
  const consumersTotal =
    config.mode === 'service'
      ? (service?.connections ?? 0) + lambdaConnections
      : CONSUMERS.reduce((sum, name) => sum + consumers[name].connections, 0);
  const plan: ConnectionPlan = {
    budget: config.connectionBudget,
    reserved: config.reservedConnections,
    consumers,
    total: consumersTotal + config.reservedConnections,
  };
  if (service) plan.service = service;
  return plan;
}
