/** Base error of the answer worker. */
export class AnswerWorkerError extends Error {
  override name = 'AnswerWorkerError';
}

/** Nothing was sent and the cause may pass (Graph 5xx, 130429, 131056, network): retry the job later. */
export class RetryLaterError extends AnswerWorkerError {
  override name = 'RetryLaterError';
}

/** The agent's answer is not the JSON reply asked for. Carries no text of it: errors get logged. */
export class AgentReplyError extends AnswerWorkerError {
  override name = 'AgentReplyError';
}

/**
 * The Graph API token cannot be used (placeholder value, or refused with 190
 * and no other token in its secret). Nothing was sent and nothing is marked
 * failed: the job stays in the queue until someone fixes the secret.
 */
export class TokenUnusableError extends AnswerWorkerError {
  override name = 'TokenUnusableError';
}

/**
 * `event` of every log line about an answer that did not reach the customer
 * (unusable token, permanent refusal, outcome still unknown after the
 * re-send): one CloudWatch metric filter `{ $.event = "answer-not-sent" }` counts them.
 */
export const ANSWER_NOT_SENT_EVENT = 'answer-not-sent';
/** The CloudWatch Logs filter pattern that matches those lines (for a metric filter and alarm). */
export const ANSWER_NOT_SENT_LOG_FILTER = `{ $.event = "${ANSWER_NOT_SENT_EVENT}" }`;
