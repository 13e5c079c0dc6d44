import { inTransaction } from './organization-scope';
import { sql } from 'kysely';
import {
  MARKETING_LIMIT_CODE,
  MARKETING_LIMIT_RETRY_MS,
  US_MARKETING_REASON,
} from '@waba/whatsapp';
import type { Db } from './connection';
import { CampaignError } from './errors';
import { campaignTemplateCategory, markPendingRecipients } from './suppression.repository';

/**
 * True for an audience row (alias `a`, of campaign alias `c`) that is a +1
 * phone number while the campaign sends a template known to be marketing
 * (Meta refuses those since 2025-04-01). Unlike opt-outs, an unknown
 * category is not treated as marketing: wrongly skipping a utility message
 * loses it, wrongly sending a marketing one only earns Meta's refusal.
 */
export const usMarketingRecipient = sql<boolean>`(a.wa_id ~ '^1[0-9]{10}$'
  and coalesce(upper(${campaignTemplateCategory}) = 'MARKETING', false))`;

/** Marks the pending recipients a rule forbids sending to (usMarketingRecipient) as `skipped`, with the reason. */
export async function skipForbiddenRecipients(db: Db, campaignId: string): Promise<number> {
  return markPendingRecipients(
    db,
    campaignId,
    'skipped',
    US_MARKETING_REASON,
    usMarketingRecipient,
  );
}

/**
 * Puts limit-deferred recipients whose time has come (next_attempt_at
 * passed) back to pending, so the next claim sends them.
 */
export async function releaseDueDeferrals(
  db: Db,
  campaignId: string,
  now = new Date(),
): Promise<number> {
  const result = await sql`
    update campaign_audience set status = 'pending', claimed_at = null, updated_at = ${now}
    where campaign_id = ${campaignId} and status = 'limit-deferred'
      and next_attempt_at is not null and next_attempt_at <= ${now}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * The number's 24-hour messaging limit is used up: every pending recipient
 * of the campaign (the claimed ones given back too) waits for the next
 * window as `limit-deferred`, with the reason. A claim given back does not
 * count as an attempt.
 */
export async function deferForMessagingLimit(
  db: Db,
  campaignId: string,
  claimedWaIds: readonly string[],
  until: Date,
  reason: string,
  now = new Date(),
): Promise<number> {
  const result = await sql`
    update campaign_audience set status = 'limit-deferred', next_attempt_at = ${until},
      claimed_at = null, last_error = ${reason}, updated_at = ${now},
      attempts = case when status = 'sending' then greatest(attempts - 1, 0) else attempts end
    where campaign_id = ${campaignId}
      and (status = 'pending' or (status = 'sending' and wa_id = any(${[...claimedWaIds]}::text[])))`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Recipients Meta took since `since` whose first status has not come yet: a
 * campaign that resends 131049 refusals waits for them before it completes,
 * since the refusal comes as a status webhook after the send.
 */
export async function awaitingFirstStatus(
  db: Db,
  campaignId: string,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom('campaign_audience')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'accepted')
    .where('accepted_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The campaign's option to resend 131049 recipients after 24 hours. */
export async function setRetryMarketingLimit(
  db: Db,
  campaignId: string,
  on: boolean,
): Promise<void> {
  const result = await db
    .updateTable('campaigns')
    .set({ retry_marketing_limit: on, updated_at: new Date() })
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0)
    throw new CampaignError(`campaign ${campaignId} not found`);
}

export interface RetryFailedResult {
  /** Recipients put back in the queue. */
  requeued: number;
  /** 131049 recipients not yet 24 hours past their refusal, and when the first one may go. */
  waiting: number;
  waitingUntil: Date | null;
  /** The campaign's status after the call ('sending' again when it had completed). */
  campaignStatus: string;
}

/**
 * Puts back in the queue the recipients of a campaign whose failure (Meta
 * error code in `codes`) can succeed now: a 131049 refusal only 24 hours
 * after it happened; never a recipient whose message was delivered or read
 * after all (a later status may follow a failure), nor one another system
 * sent. One statement flips failed → pending, so running it twice, or twice
 * at once, queues each recipient once: the second finds none failed. A
 * completed campaign goes back to sending.
 */
export async function retryFailedRecipients(
  db: Db,
  campaignId: string,
  codes: readonly number[],
  now = new Date(),
): Promise<RetryFailedResult> {
  const cutoff = new Date(now.getTime() - MARKETING_LIMIT_RETRY_MS);
  return inTransaction(db, async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw new CampaignError(`campaign ${campaignId} not found`);
    if (campaign.status === 'cancelled')
      throw new CampaignError('the campaign is cancelled; create a new one');
    const eligible = sql`a.campaign_id = ${campaignId} and a.source = 'import'
      and a.status in ('failed', 'limit-deferred') and a.error_code = any(${[...codes]}::int[])
      and a.delivered_at is null and a.read_at is null
      and not exists (select 1 from messages m where m.wamid = a.wamid
        and (m.delivered_at is not null or m.read_at is not null))`;
    const requeued = await sql`
      update campaign_audience a set status = 'pending', claimed_at = null, next_attempt_at = null,
        attempts = 0, last_error = 'resent by campaign retry-failed after ' || a.error_code,
        updated_at = ${now}
      where ${eligible} and (a.error_code <> ${MARKETING_LIMIT_CODE} or a.failed_at <= ${cutoff})`.execute(
      trx,
    );
    const waiting = await sql<{ n: number; first: Date | null }>`
      select count(*)::int as n, min(a.failed_at) as first from campaign_audience a
      where ${eligible} and a.error_code = ${MARKETING_LIMIT_CODE} and a.failed_at > ${cutoff}`.execute(
      trx,
    );
    const n = Number(requeued.numAffectedRows ?? 0);
    let status: string = campaign.status;
    if (n > 0 && campaign.status === 'completed') {
      await trx
        .updateTable('campaigns')
        .set({ status: 'sending', completed_at: null, updated_at: now })
        .where('id', '=', campaignId)
        .execute();
      status = 'sending';
    }
    const w = waiting.rows[0]!;
    return {
      requeued: n,
      waiting: w.n,
      waitingUntil: w.first ? new Date(w.first.getTime() + MARKETING_LIMIT_RETRY_MS) : null,
      campaignStatus: status,
    };
  });
}
