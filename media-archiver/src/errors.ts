/** Base of the archiver's errors. */
export class MediaArchiverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaArchiverError';
  }
}

/** A failure worth another attempt (5xx, 429, timeout, network, S3): the job goes back to the queue. */
export class TransientMediaError extends MediaArchiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientMediaError';
  }
}

/** The file itself is unacceptable (too large, wrong bytes): the media is `failed`, never retried. */
export class MediaRejectedError extends MediaArchiverError {
  constructor(message: string) {
    super(message);
    this.name = 'MediaRejectedError';
  }
}
