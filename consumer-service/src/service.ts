// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { createLogger } from '@waba/whatsapp';
import { startPipelineService } from './pipeline-service';
import { serviceEnvFromEnv } from './service-env.schema';
import { shutdownOnSignal } from './shutdown';

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

  const shutdown = shutdownOnSignal(service, {
    timeoutMs: settings.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    logger,
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('the pipeline service failed to start:', error);
  process.exit(1);
});
