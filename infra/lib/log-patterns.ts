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
