import type { Logger } from '@waba/whatsapp';

/**
 * What a signal does to the running service: the first stops polling and
 * lets the batches in flight finish, then exits 0 (1 if stopping failed or
 * did not finish within `timeoutMs`: ECS sends SIGKILL after the task's
 * stopTimeout, 120 s at most, so leave before it); a second one exits 1 at once.
 */
export function shutdownOnSignal(
  service: { stop(): Promise<void>; stats(): unknown },
  options: { timeoutMs: number; logger: Logger; exit: (code: number) => void },
): (signal: string) => void {
  const { logger, exit } = options;
  let stopping = false;
  return (signal) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing batches in flight');
    const deadline = setTimeout(() => {
      logger.error('batches did not finish in time: exiting');
      exit(1);
    }, options.timeoutMs);
    deadline.unref();
    service
      .stop()
      .then(() => {
        clearTimeout(deadline);
        logger.info({ stats: service.stats() }, 'stopped');
        exit(0);
      })
      .catch((error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'stop failed');
        exit(1);
      });
  };
}
