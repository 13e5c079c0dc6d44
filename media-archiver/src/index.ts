export { archiveMedia, MEDIA_HASH_MISMATCH_LOG_MESSAGE } from './archive-media';
export type { ArchiveMediaDeps, ArchiveOutcome } from './archive-media';
export { processMediaJobs } from './process-media-jobs';
export type { MediaJobsDeps } from './process-media-jobs';
export { MEDIA_SWEEP_LOG_MESSAGE, sweepPendingMedia } from './sweep';
export type { MediaSweepDeps, MediaSweepResult } from './sweep';
export { mediaArchiverDepsFromEnv, mediaSweepDepsFromEnv } from './deps-from-env';
export type { MediaSharedClients } from './deps-from-env';
export { mediaArchiverEnvSchema } from './env.schema';
export { mediaJobSchema, parseMediaJob } from './media-job.schema';
export {
  MEDIA_EXPIRY_SECONDS,
  MEDIA_RETENTION_TAG,
  MEDIA_RETENTION_TIERS,
  MEDIA_SIZE_LIMITS,
  mediaObjectKey,
  retentionTagging,
  retentionTier,
} from './media-object-key';
export { MediaArchiverError, MediaRejectedError, TransientMediaError } from './errors';
