import { MEDIA_HASH_MISMATCH_LOG_MESSAGE, type MediaSweepResult } from '@waba/media-archiver';

/**
 * CloudWatch Logs filter patterns over the functions' pino lines. One constant
 * per alarm, so that the alarm, its test and the docs name the same pattern;
 * each comes from the package that writes the lines.
 */

/**
 * The answer worker gave up on a reply (unusable token, permanent refusal, or
 * an outcome still unknown after its one re-send): every such line carries
 * `event: "answer-not-sent"`, whatever its level.
 */
export { ANSWER_NOT_SENT_LOG_FILTER as ANSWER_NOT_SENT_PATTERN } from '@waba/answer-worker';

/**
 * The media sweep's line after every run: its `oldestPendingAgeSeconds` field
 * is the age of the oldest `pending` media row (the MediaPendingAge alarm).
 */
export { MEDIA_SWEEP_LOG_MESSAGE } from '@waba/media-archiver';
/** A field of the sweep's result, which is what it logs: renaming it there is a type error here. */
export const MEDIA_SWEEP_AGE_FIELD = 'oldestPendingAgeSeconds' satisfies keyof MediaSweepResult;

/**
 * The archiver downloaded bytes that do not hash to the webhook's sha256: the
 * media is `failed` and the line, at error level, carries its key.
 */
export const MEDIA_HASH_MISMATCH_PATTERN = `{ $.msg = "${MEDIA_HASH_MISMATCH_LOG_MESSAGE}" }`;
