import { lazy } from '@waba/whatsapp';
import { mediaSweepDepsFromEnv } from './deps-from-env';
import { mediaArchiverEnvFromEnv } from './env.schema';
import { sweepPendingMedia, type MediaSweepResult } from './sweep';

// Settings are checked at cold start: a bad value stops the start with the variable's name.
mediaArchiverEnvFromEnv(process.env);

const deps = lazy(() => mediaSweepDepsFromEnv(process.env));

/** Scheduled (EventBridge): queues lost `pending` media again and logs the oldest pending age. */
export async function handler(): Promise<MediaSweepResult> {
  return sweepPendingMedia(await deps());
}
