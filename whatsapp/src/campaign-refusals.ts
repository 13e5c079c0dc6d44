import { classifyGraphError } from './graph-errors';

/** Meta's per-user marketing limit: the user got enough marketing messages for now. */
export const MARKETING_LIMIT_CODE = 131049;
/** A recipient refused with 131049 is not sent again before this much time has passed. */
export const MARKETING_LIMIT_RETRY_MS = 24 * 60 * 60 * 1000;
/** Why a marketing template is not sent to a +1 number. */
export const US_MARKETING_REASON =
  'marketing templates to +1 (US) numbers are refused by Meta since 2025-04-01: not sent';

/**
 * When a campaign recipient refused by Meta can be sent again:
 * - `now`: the cause may have passed (rate limits given up on, undeliverable);
 * - `after-24h`: 131049, the per-user marketing limit, 24 hours after the refusal;
 * - `after-fix`: someone must fix something first (the template, the token, a policy block);
 * - `never`: the same send fails the same way (window closed, not on WhatsApp, bad request).
 */
export type CampaignRetry = 'now' | 'after-24h' | 'after-fix' | 'never';

export interface CampaignRefusal {
  retry: CampaignRetry;
  /** What the sender did and what an operator can do, for reports. */
  handling: string;
}

const HANDLING: ReadonlyMap<number, CampaignRefusal> = new Map([
  [
    MARKETING_LIMIT_CODE,
    {
      retry: 'after-24h',
      handling:
        'limit-deferred, not resent at once; resent after 24 h with --retry-marketing-limit or campaign retry-failed',
    },
  ],
  [131026, { retry: 'now', handling: 'failed (undeliverable); campaign retry-failed may resend' }],
  [131047, { retry: 'never', handling: 'failed (24-hour window closed); a template is needed' }],
  [
    131030,
    { retry: 'never', handling: 'failed (not on WhatsApp or not in the allowed list); not resent' },
  ],
  [131051, { retry: 'never', handling: 'failed (unsupported message type); not resent' }],
  [100, { retry: 'never', handling: 'failed (invalid parameter); fix the request' }],
  [
    368,
    {
      retry: 'after-fix',
      handling: 'campaign paused (number blocked for policy); resume once the block is lifted',
    },
  ],
  [
    190,
    {
      retry: 'after-fix',
      handling: 'sending stopped (access token invalid); fix the token, the job is retried',
    },
  ],
]);

/** How campaigns treat a Meta error code (null: the sender's own reason, e.g. a missing value). */
export function campaignRefusal(code: number | null): CampaignRefusal {
  if (code === null) return { retry: 'never', handling: 'not sent; see the reason' };
  const known = HANDLING.get(code);
  if (known) return known;
  if (code >= 132000 && code < 133000)
    return {
      retry: 'after-fix',
      handling: 'campaign paused (template problem); fix the template, then resume',
    };
  if (classifyGraphError({ code, httpStatus: 400 }).kind.startsWith('retry'))
    return {
      retry: 'now',
      handling: 'failed after retries (rate or transient limit); campaign retry-failed may resend',
    };
  return { retry: 'never', handling: 'failed; not resent' };
}

/** Error codes a campaign's retry-failed resends when none are given: the failures that can succeed now. */
export const RETRYABLE_FAILURE_CODES: readonly number[] = [
  MARKETING_LIMIT_CODE,
  131026,
  130429,
  131056,
  131048,
  131000,
];
