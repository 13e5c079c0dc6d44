/**
 * The contract between the webhook receiver and the processor: how a raw
 * webhook travels through the ingest queue. The body is Meta's raw text,
 * unchanged, unless it had to be claim-checked to S3 or base64-encoded.
 */
export const INGEST_ATTRIBUTES = {
  appId: 'app_id',
  wabaIds: 'waba_ids',
  phoneNumberIds: 'phone_number_ids',
  fields: 'fields',
  hasMessages: 'has_messages',
  hasStatuses: 'has_statuses',
  receivedAt: 'received_at',
  bodySha256: 'body_sha256',
  /** `s3` when the SQS body is a {@link ClaimCheckPointer}. */
  claimCheck: 'claim_check',
  /** `base64` when the raw body holds characters SQS does not accept. */
  bodyEncoding: 'body_encoding',
} as const;

export interface ClaimCheckPointer {
  s3: { bucket: string; key: string };
  bytes: number;
}

/** SQS accepts only these characters in a message body (XML 1.0 characters). */
// eslint-disable-next-line no-control-regex -- the control characters are the point
const SQS_FORBIDDEN = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isSqsSafe(text: string): boolean {
  return !SQS_FORBIDDEN.test(text);
}

/**
 * The app of the receiver's `/webhook` path (`/webhook/{appId}` names the
 * others). A phone number with no app recorded is bound to it.
 */
export const DEFAULT_APP_ID = 'default';
