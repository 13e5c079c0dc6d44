export type GraphErrorKind = 'retry-number' | 'retry-recipient' | 'retry' | 'permanent' | 'blocked';

export interface GraphErrorClassification {
  kind: GraphErrorKind;
  reason: string;
}

const BY_CODE: ReadonlyMap<number, GraphErrorClassification> = new Map([
  [130429, { kind: 'retry-number', reason: 'throughput limit of the business number reached' }],
  [
    131056,
    { kind: 'retry-recipient', reason: 'pair rate limit: same recipient messaged too often' },
  ],
  [131048, { kind: 'retry', reason: 'spam rate limit hit; back off and alert' }],
  [131047, { kind: 'permanent', reason: '24-hour window closed; a template is needed' }],
  [131030, { kind: 'permanent', reason: 'recipient not on WhatsApp or not in the allowed list' }],
  [131051, { kind: 'permanent', reason: 'unsupported message type' }],
  [131026, { kind: 'permanent', reason: 'message undeliverable' }],
  [
    131049,
    {
      kind: 'permanent',
      reason: 'per-user marketing limit reached: not resent for 24 hours',
    },
  ],
  [100, { kind: 'permanent', reason: 'invalid parameter; fix the request' }],
  [368, { kind: 'blocked', reason: 'temporarily blocked for policy violations' }],
  // Beyond the table: Meta documents these as transient service-side failures.
  [131000, { kind: 'retry', reason: 'unknown error on Meta side' }],
  [1, { kind: 'retry', reason: 'Graph API unknown error' }],
  [2, { kind: 'retry', reason: 'Graph API service temporarily unavailable' }],
  [4, { kind: 'retry', reason: 'application request limit reached' }],
  [80007, { kind: 'retry', reason: 'WhatsApp Business Account rate limit reached' }],
  // An invalid token fails every send until someone fixes the configuration.
  [190, { kind: 'blocked', reason: 'access token invalid or expired' }],
]);

/** Whether `code` is one this table classifies (others fall back to the HTTP status). */
export function isKnownGraphErrorCode(code: number): boolean {
  return BY_CODE.has(code);
}

/**
 * Decide what a sender does with a failed Graph API call. Known error codes
 * win; otherwise the HTTP status decides, and no status at all means the
 * request never got an answer (network), which is worth retrying.
 */
export function classifyGraphError(error: {
  httpStatus?: number;
  code?: number;
}): GraphErrorClassification {
  const { httpStatus, code } = error;
  const known = code === undefined ? undefined : BY_CODE.get(code);
  if (known) return known;
  if (httpStatus === undefined) {
    return code === undefined
      ? { kind: 'retry', reason: 'network error: no response' }
      : { kind: 'permanent', reason: `unclassified Graph error code ${code}` };
  }
  if (httpStatus >= 500) return { kind: 'retry', reason: `transient HTTP ${httpStatus}` };
  if (httpStatus === 429) return { kind: 'retry', reason: 'HTTP 429 rate limited' };
  const suffix = code === undefined ? '' : ` (code ${code})`;
  return { kind: 'permanent', reason: `HTTP ${httpStatus}${suffix}` };
}
