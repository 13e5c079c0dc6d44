/** SQS's limit on a message's visibility timeout, counted from the receive that handed it out. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/**
 * The longest delay a back-off asks for: SQS's 12 hours less Lambda's longest
 * timeout (15 min), the most time that can have passed since the receive
 * when the processor changes the visibility. SQS refuses anything beyond.
 */
export const MAX_BACKOFF_SECONDS = SQS_MAX_VISIBILITY_SECONDS - 900;
