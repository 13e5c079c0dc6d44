import { setTimeout as sleep } from 'node:timers/promises';
import {
  awaitingFirstStatus,
  backOffNumber,
  campaignProgress,
  campaignTag,
  claimRecipients,
  completeIfDone,
  deferForMessagingLimit,
  expireStaleClaims,
  getCampaign,
  nextSendSlot,
  pauseCampaignForError,
  MAX_MESSAGES_PER_SECOND,
  recordAccepted,
  reserveSendSlots,
  reserveWindowRecipients,
  sendingLimitsOf,
  settleRecipient,
  templateHold,
  type CampaignAudienceRow,
  type CampaignRow,
  type Db,
  type SendOutcome,
} from '@waba/db';
import {
  classifySendFailure,
  isBusinessScopedUserId,
  MARKETING_LIMIT_CODE,
  MARKETING_LIMIT_RETRY_MS,
  type GraphClient,
  type Logger,
} from '@waba/whatsapp';
import { fillComponents } from './template';

export interface CampaignSenderDeps {
  db: Db;
  graph: GraphClient;
  logger: Logger;
  /** Messages per second per business number when the campaign sets none (Meta's default: 80). */
  defaultRatePerSecond: number;
  /** How long one slice sends before handing over to the next (keep it under the function timeout). */
  sliceMs: number;
  /** A claim older than this lost its outcome to a crash: the recipient becomes `unknown`. */
  claimTimeoutMs?: number;
  /** Sends that Meta answered with a retryable error are tried this many times in all. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SliceResult {
  campaignId: string;
  status: CampaignRow['status'] | 'missing';
  accepted: number;
  failed: number;
  retried: number;
  unknown: number;
  /** Held back by a limit: Meta's 131049, or the number's 24-hour messaging limit. */
  limitDeferred: number;
  /** When to run the next slice; null: the campaign needs none (done, paused, cancelled). */
  nextInSeconds: number | null;
}

/** Meta's template errors: every recipient would fail the same way, so the campaign pauses. */
const TEMPLATE_ERROR_CODES = new Set([
  132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069,
]);
const MAX_SQS_DELAY_SECONDS = 900;
/** How long a campaign that resends 131049 refusals waits for its last sends' first status. */
const STATUS_SETTLE_MS = 10 * 60_000;

const backoffMs = (attempts: number) => Math.min(300_000, 1000 * 2 ** attempts);

interface Verdict {
  outcome: SendOutcome;
  /** The campaign must stop for a person to fix something. */
  pause?: string;
  /** The number hit its throughput limit: no send on it before this time. */
  numberBusyUntil?: Date;
  /** The access token cannot be used: stop the slice and keep the job in the queue. */
  tokenUnusable?: string;
}

/**
 * What a failed send means for the recipient and the campaign, by the one
 * rule every sender applies (classifySendFailure): only a refusal, or a
 * request that provably never left, puts the recipient back to pending; a
 * send that may have reached Meta (timeout or reset after it left, 5xx
 * without Meta's error envelope, 131000) is `unknown`, settled by the
 * status webhook tagged with the campaign, or requeued by an operator.
 */
export function judgeSendError(
  error: unknown,
  attempts: number,
  maxAttempts: number,
  now: Date,
  /** The campaign resends 131049 recipients 24 hours after the refusal. */
  retryMarketingLimit = false,
): Verdict {
  const failure = classifySendFailure(error);
  const message = failure.reason;
  if (failure.outcome === 'unknown') return { outcome: { kind: 'unknown', error: message } };
  const { kind, code } = failure;
  const retryNow = { kind: 'retry' as const, at: now, error: message };
  if (failure.token) return { outcome: retryNow, tokenUnusable: message };
  if (kind === 'blocked') return { outcome: retryNow, pause: message };
  if (code === MARKETING_LIMIT_CODE) {
    // Not at once: the user got their share of marketing for now.
    const retryAt = retryMarketingLimit ? new Date(now.getTime() + MARKETING_LIMIT_RETRY_MS) : null;
    return { outcome: { kind: 'limit-deferred', errorCode: code, error: message, retryAt } };
  }
  if (!failure.retryable) {
    if (code !== null && TEMPLATE_ERROR_CODES.has(code))
      return { outcome: retryNow, pause: message };
    return { outcome: { kind: 'failed', errorCode: code, error: message } };
  }
  if (attempts >= maxAttempts) {
    return {
      outcome: {
        kind: 'failed',
        errorCode: code,
        error: `gave up after ${attempts} attempts: ${message}`,
      },
    };
  }
  if (kind === 'retry-number') {
    const busyUntil = new Date(now.getTime() + backoffMs(attempts));
    return {
      outcome: { kind: 'retry', at: busyUntil, error: message },
      numberBusyUntil: busyUntil,
    };
  }
  // A pair rate limit clears after a while per recipient; other retries back off exponentially.
  const wait = kind === 'retry-recipient' ? 10_000 * attempts : backoffMs(attempts);
  return { outcome: { kind: 'retry', at: new Date(now.getTime() + wait), error: message } };
}

/** The slice stopped because the Graph token is unusable; the job goes back to the queue. */
export class CampaignTokenError extends Error {
  override name = 'CampaignTokenError';
}

const defaultSleep = (ms: number): Promise<void> => sleep(ms);

/**
 * Sends one slice of a campaign: claims due recipients a second's worth at a
 * time, reserves their send slots on the business number, sends each at its
 * slot, and records the result, until the slice's time is up or nothing is
 * due. Returns when the next slice should run. Any number of slices may run
 * at once for the same campaign or number: claims never overlap and the
 * number's slots are shared.
 */
export async function sendCampaignSlice(
  deps: CampaignSenderDeps,
  campaignId: string,
): Promise<SliceResult> {
  const { db, graph, logger } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  const maxAttempts = deps.maxAttempts ?? 5;
  const claimTimeoutMs = deps.claimTimeoutMs ?? 600_000;
  const result: SliceResult = {
    campaignId,
    status: 'missing',
    accepted: 0,
    failed: 0,
    retried: 0,
    unknown: 0,
    limitDeferred: 0,
    nextInSeconds: null,
  };
  const campaign = await getCampaign(db, campaignId);
  if (!campaign) return result;
  result.status = campaign.status;
  if (campaign.status !== 'sending') return result;
  const phone = campaign.phone_number_id;
  if (!phone || !campaign.template_name || !campaign.template_language) {
    await pauseCampaignForError(db, campaignId, 'the campaign has no sending number or template');
    result.status = 'paused';
    return result;
  }
  // A template paused (or disabled, rejected) since the campaign started or resumed: stop first.
  const hold = await templateHold(db, campaign);
  if (hold !== undefined) {
    await pauseCampaignForError(db, campaignId, hold);
    result.status = 'paused';
    return result;
  }

  // A placeholder token would fail every send: stop before claiming anyone.
  await graph.checkToken().catch((error: unknown) => {
    throw new CampaignTokenError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  });
  let tokenUnusable: string | undefined;

  const expired = await expireStaleClaims(db, campaignId, new Date(Date.now() - claimTimeoutMs));
  if (expired > 0) logger.warn({ campaignId, expired }, 'claims expired; outcome unknown');
  const limits = await sendingLimitsOf(db, phone);
  // The campaign's rate, else the number's (operator, or Meta's upgrade), else the default; never past Meta's maximum.
  const rate = Math.min(
    MAX_MESSAGES_PER_SECOND,
    campaign.rate_per_second ?? limits?.messagesPerSecond ?? deps.defaultRatePerSecond,
  );
  const chunk = Math.max(1, Math.min(Math.ceil(rate), 100));
  const started = Date.now();
  let stop = false;

  const sendOne = async (row: CampaignAudienceRow, at: Date): Promise<void> => {
    await sleep(Math.max(0, at.getTime() - Date.now()));
    let components: unknown[];
    try {
      components = fillComponents(
        campaign.template_components,
        row.parameters as Record<string, unknown>,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await settleRecipient(db, campaignId, row.wa_id, {
        kind: 'failed',
        errorCode: null,
        error: message,
      });
      result.failed++;
      return;
    }
    let wamid: string;
    try {
      ({ wamid } = await graph.sendTemplate(
        phone,
        // A user known only by username is sent by `recipient` (a BSUID in `to` is dropped silently).
        isBusinessScopedUserId(row.wa_id) ? { waId: null, userId: row.wa_id } : row.wa_id,
        {
          name: campaign.template_name!,
          languageCode: campaign.template_language!,
          components,
          category: campaign.template_category,
        },
        { bizOpaque: campaignTag(campaignId) },
      ));
    } catch (error) {
      const failedAt = new Date();
      const verdict = judgeSendError(
        error,
        row.attempts,
        maxAttempts,
        failedAt,
        campaign.retry_marketing_limit,
      );
      await settleRecipient(db, campaignId, row.wa_id, verdict.outcome, failedAt);
      const kind = verdict.outcome.kind;
      result[kind === 'retry' ? 'retried' : kind === 'limit-deferred' ? 'limitDeferred' : kind]++;
      if (verdict.pause) {
        stop = true;
        await pauseCampaignForError(db, campaignId, verdict.pause);
        logger.error({ campaignId, err: error }, 'campaign paused: fix the cause, then resume');
      }
      if (verdict.numberBusyUntil) {
        stop = true;
        await backOffNumber(db, phone, verdict.numberBusyUntil);
      }
      if (verdict.tokenUnusable) {
        stop = true;
        tokenUnusable = verdict.tokenUnusable;
      }
      return;
    }
    // Sent: from here on the recipient is never sent again, even if recording fails
    // (the claim expires to `unknown`, and the status webhooks fill in the rest).
    await recordAccepted(db, {
      campaignId,
      organizationId: campaign.organization_id,
      phoneNumberId: phone,
      waId: row.wa_id,
      wamid,
      templateName: campaign.template_name!,
      payload: {
        template: campaign.template_name,
        language: campaign.template_language,
        components,
      },
    });
    result.accepted++;
  };

  while (!stop && Date.now() - started < deps.sliceMs) {
    let claimed = await claimRecipients(db, campaignId, chunk);
    if (claimed.length === 0) break;
    if (limits) {
      const window = await reserveWindowRecipients(
        db,
        { organizationId: limits.organizationId, wabaId: limits.wabaId },
        claimed.map((r) => r.wa_id),
        limits.uniqueRecipientsPerDay,
      );
      if (window.deferred.length > 0) {
        const reason = `messaging limit reached: ${limits.uniqueRecipientsPerDay} unique recipients per 24 h (${limits.limitSource}); carried over to the next window`;
        const deferred = await deferForMessagingLimit(
          db,
          campaignId,
          window.deferred,
          window.nextWindowAt!,
          reason,
        );
        result.limitDeferred += deferred;
        logger.warn({ campaignId, deferred, until: window.nextWindowAt }, reason);
        stop = true;
        const admitted = new Set(window.admitted);
        claimed = claimed.filter((r) => admitted.has(r.wa_id));
        if (claimed.length === 0) break;
      }
    }
    const startAt = (await reserveSendSlots(db, phone, claimed.length, rate)).getTime();
    const sends = await Promise.allSettled(
      claimed.map((row, i) => sendOne(row, new Date(startAt + (i * 1000) / rate))),
    );
    for (const s of sends)
      if (s.status === 'rejected')
        logger.error({ campaignId, err: s.reason }, 'recording a send failed');
  }

  if (tokenUnusable !== undefined) throw new CampaignTokenError(tokenUnusable);

  const now = new Date();
  const current = await getCampaign(db, campaignId);
  result.status = current?.status ?? 'missing';
  if (result.status !== 'sending') return result;
  const progress = await campaignProgress(db, campaignId, now);
  if (progress.pendingDue > 0) {
    const slot = await nextSendSlot(db, phone);
    const busyMs = slot ? slot.getTime() - now.getTime() : 0;
    result.nextInSeconds = Math.min(
      MAX_SQS_DELAY_SECONDS,
      Math.max(0, Math.ceil(busyMs / 1000) - 1),
    );
  } else if (progress.pendingLater) {
    const waitMs = progress.pendingLater.getTime() - now.getTime();
    result.nextInSeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)));
  } else if (progress.inFlight > 0) {
    // Another slice is sending (or crashed mid-send): look again once its claims could have expired.
    result.nextInSeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(claimTimeoutMs / 1000));
  } else if (
    campaign.retry_marketing_limit &&
    (await awaitingFirstStatus(db, campaignId, new Date(now.getTime() - STATUS_SETTLE_MS))) > 0
  ) {
    // A 131049 refusal arrives as a status webhook: completing first would leave it unsent.
    result.nextInSeconds = 60;
  } else if (await completeIfDone(db, campaignId, now)) {
    result.status = 'completed';
    logger.info({ campaignId }, 'campaign completed');
  }
  return result;
}
