/** Base error of the receiver; `statusCode` is what Meta is answered. */
export class ReceiverError extends Error {
  override name = 'ReceiverError';
  readonly statusCode: number = 500;
}

export class BadRequestError extends ReceiverError {
  override name = 'BadRequestError';
  override readonly statusCode = 400;
}

export class SignatureError extends ReceiverError {
  override name = 'SignatureError';
  override readonly statusCode = 401;
}

export class VerificationError extends ReceiverError {
  override name = 'VerificationError';
  override readonly statusCode = 403;
}

export class UnknownAppError extends ReceiverError {
  override name = 'UnknownAppError';
  override readonly statusCode = 404;
}

/** A path that is not a webhook (behind a function URL, every path reaches the receiver). */
export class NotFoundError extends ReceiverError {
  override name = 'NotFoundError';
  override readonly statusCode = 404;
}

/** The payload could not be enqueued: Meta must retry, so never 2xx. */
export class EnqueueError extends ReceiverError {
  override name = 'EnqueueError';
  override readonly statusCode = 503;
}

/** Secrets missing or unreadable: refuse everything rather than accept unsigned bodies. */
export class ConfigurationError extends ReceiverError {
  override name = 'ConfigurationError';
  override readonly statusCode = 500;
}

export function statusCodeOf(error: unknown): number {
  return error instanceof ReceiverError ? error.statusCode : 500;
}

/** An AWS call of the receiver's own HTTPS client failed (the request's HTTP status, if any). */
export class AwsCallError extends ReceiverError {
  override name = 'AwsCallError';
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly code: string | null,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
