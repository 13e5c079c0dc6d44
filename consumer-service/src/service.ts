// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { createLogger } from '@waba/whatsapp';
import { startPipelineService } from './pipeline-service';
import { serviceEnvFromEnv } from './service-env.schema';

/**
 * The long-running mode (`npx tsx consumer-service/src/service.ts`, or the container of
 * infra/container/Dockerfile): the processor, answer worker and campaign
 * sender polling real SQS queues. SIGTERM or SIGINT stops polling, lets the
 * batches in flight finish (their messages are deleted or left to the
 * visibility timeout, as Lambda would), closes the pool and exits 0.
 */
async function main(): Promise<void> {
  const logger = createLogger('waba-service');
  const settings = serviceEnvFromEnv(process.env);
  const service = await startPipelineService(process.env, logger);
  const statsTimer = setInterval(
    () => logger.info({ stats: service.stats() }, 'consumer stats'),
    settings.STATS_INTERVAL_SECONDS * 1000,
  );
  statsTimer.unref();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing batches in flight');
    // ECS sends SIGKILL after the task's stopTimeout (120 s at most): leave before it.
    const deadline = setTimeout(() => {
      logger.error('batches did not finish in time: exiting');
      process.exit(1);
    }, settings.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    deadline.unref();
    service
      .stop()
      .then(() => {
        logger.info({ stats: service.stats() }, 'stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('the pipeline service failed to start:', error);
  process.exit(1);
});
