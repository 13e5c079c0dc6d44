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
