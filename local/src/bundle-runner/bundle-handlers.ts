import { join } from 'node:path';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { Logger } from '@waba/whatsapp';
import type { StackConfig } from '../config';
import { consumerEnvironments, type ConsumerTargets } from '../consumer-environments';
import { startBundleFunction, type BundleFunction } from './bundle-function';

/** The bundles the local stack can run, named as `npm run bundle` names their directories. */
export const BUNDLED_FUNCTIONS = ['receiver', 'processor', 'answerWorker'] as const;
export type BundledFunction = (typeof BUNDLED_FUNCTIONS)[number];

/** `<dir>/<name>/index.mjs`, where `npm run bundle` (infra/lib/build-bundles.ts) writes it. */
export const bundlePath = (dir: string, name: BundledFunction): string =>
  join(dir, name, 'index.mjs');

export interface BundleHandlers {
  receiver: BundleFunction<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;
  processor: BundleFunction<SQSEvent, SQSBatchResponse>;
  answerWorker: BundleFunction<SQSEvent, SQSBatchResponse>;
  stop(): Promise<void>;
}

/** What the stack has started that the functions' environments point at. */
export interface BundleTargets extends ConsumerTargets {
  awsEndpoint: string;
  region: string;
}

/**
 * Each function's environment: the consumer's own (consumerEnvironments, as
 * the in-process consumers read it) and what Lambda sets, with AWS pointed at
 * the emulator (AWS_ENDPOINT_URL, as the SDK and the receiver's signed calls
 * read it).
 */
export function bundleEnvironments(
  config: StackConfig,
  t: BundleTargets,
): Record<BundledFunction, Record<string, string>> {
  const lambda = {
    AWS_REGION: t.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: t.awsEndpoint,
    LOG_LEVEL: config.logLevel,
  };
  const consumers = consumerEnvironments(config, t);
  const fn = (name: BundledFunction) => ({ ...lambda, ...consumers[name] });
  return { receiver: fn('receiver'), processor: fn('processor'), answerWorker: fn('answerWorker') };
}

/**
 * The receiver, processor and answer worker from their built bundles
 * (`npm run bundle`: the CDK app's esbuild options), each in execution
 * environments of its own with its own environment variables.
 */
export function startBundleHandlers(
  dir: string,
  env: Record<BundledFunction, Record<string, string>>,
  logger: Logger,
): BundleHandlers {
  const started: Array<BundleFunction<never, unknown>> = [];
  const start = <E, R>(name: BundledFunction): BundleFunction<E, R> => {
    const fn = startBundleFunction<E, R>({
      name,
      file: bundlePath(dir, name),
      env: env[name],
      logger: logger.child({ fn: name, bundle: true }),
    });
    started.push(fn);
    return fn;
  };
  try {
    return {
      receiver: start('receiver'),
      processor: start('processor'),
      answerWorker: start('answerWorker'),
      stop: async () => {
        await Promise.all(started.map((fn) => fn.stop()));
      },
    };
  } catch (error) {
    void Promise.all(started.map((fn) => fn.stop()));
    throw error;
  }
}
