/** Base error of the processor. */
export class ProcessorError extends Error {
  override name = 'ProcessorError';
}

/** The payload body could not be fetched (S3 claim check): retry the record. */
export class PayloadFetchError extends ProcessorError {
  override name = 'PayloadFetchError';
}

/** The database is unavailable: the whole batch goes back to the queue. */
export class TransientBatchError extends ProcessorError {
  override name = 'TransientBatchError';
}
