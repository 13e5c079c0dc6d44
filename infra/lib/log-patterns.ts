/**
 * CloudWatch Logs filter patterns over the functions' pino lines (JSON, numeric
 * levels: error is 50). One constant per alarm, so that the alarm, its test and
 * the docs name the same pattern.
 */

/**
 * The answer worker gave up on a reply (Meta refused it, or the token is
 * unusable): an error line whose `msg` contains "answer not sent". (`.` for
 * the spaces: CloudWatch's regex syntax has no space character.)
 */
export const ANSWER_NOT_SENT_PATTERN = '{ ($.level = 50) && ($.msg = %answer.not.sent%) }';
