import { inTransaction } from './organization-scope';
import { sql } from 'kysely';
import { isBusinessScopedUserId } from '@waba/whatsapp';
import type { Db } from './connection';
import type { CampaignAudienceRow } from './campaign.table';
import { campaignTag } from './campaign-tag';
import { resolveContacts } from './contact.repository';
import { CampaignError } from './errors';
import { pgJson, pgText } from './pg-safe';
import {
  releaseDueDeferrals,
  skipForbiddenRecipients,
  usMarketingRecipient,
} from './campaign-refusal.repository';
import { suppressCampaignRecipients, suppressedRecipient } from './suppression.repository';

export interface AudienceRecipient {
  /** Line of the CSV file it came from, for reports. */
  line: number;
  waId: string;
  parameters: Record<string, string>;
}

export interface ImportResult {
  inserted: number;
  /** Recipients already in the audience (a re-import), left as they were. */
  alreadyPresent: number;
}

/**
 * Adds recipients to a campaign in one statement: all of them or, on any
 * error, none. Recipients already present keep their row, so importing the
 * same file twice never queues anyone twice.
 */
export async function importAudience(
  db: Db,
  campaignId: string,
  recipients: readonly AudienceRecipient[],
): Promise<ImportResult> {
  return inTransaction(db, async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .select(['organization_id', 'status'])
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw new CampaignError(`campaign ${campaignId} not found`);
    if (campaign.status === 'cancelled' || campaign.status === 'completed')
      throw new CampaignError(`campaign is ${campaign.status}; create a new one`);
    if (recipients.length === 0) return { inserted: 0, alreadyPresent: 0 };
    const result = await sql<{ inserted: number }>`
      with added as (
        insert into campaign_audience (campaign_id, organization_id, wa_id, parameters, line_number)
        select ${campaignId}::uuid, ${campaign.organization_id}::uuid, w, p::jsonb, l from unnest(
          ${recipients.map((r) => pgText(r.waId))}::text[],
          ${recipients.map((r) => pgJson(r.parameters))}::text[],
          ${recipients.map((r) => r.line)}::int[]) as t(w, p, l)
        on conflict (campaign_id, wa_id) do nothing
        returning 1)
      select count(*)::int as inserted from added`.execute(trx);
    const inserted = result.rows[0]!.inserted;
    // New recipients of a finished chain wait for the next start/resume.
    return { inserted, alreadyPresent: recipients.length - inserted };
  });
}

/**
 * Claims up to `limit` due pending recipients of a sending campaign, after
 * putting limit-deferred ones whose time has come back to pending, marking
 * those on the suppression list `suppressed` (a marketing template never
 * goes to an opted-out contact) and those a rule forbids `skipped`. A claimed row is never claimed again: that is what keeps a recipient from getting the
 * campaign twice, whatever crashes or redeliveries happen after this point.
 */
export async function claimRecipients(
  db: Db,
  campaignId: string,
  limit: number,
  now = new Date(),
): Promise<CampaignAudienceRow[]> {
  await releaseDueDeferrals(db, campaignId, now);
  await suppressCampaignRecipients(db, campaignId);
  await skipForbiddenRecipients(db, campaignId);
  // An opt-out stored since the statements above is still never sent to.
  const result = await sql<CampaignAudienceRow>`
    update campaign_audience a set status = 'sending', claimed_at = ${now}, attempts = a.attempts + 1,
      updated_at = ${now}
    from (
      select a.campaign_id, a.wa_id from campaign_audience a join campaigns c on c.id = a.campaign_id
      where a.campaign_id = ${campaignId} and a.status = 'pending'
        and (a.next_attempt_at is null or a.next_attempt_at <= ${now})
        and c.status = 'sending' and not ${suppressedRecipient} and not ${usMarketingRecipient}
      order by a.line_number nulls last, a.wa_id
      limit ${limit}
      for update of a skip locked
    ) due
    where a.campaign_id = due.campaign_id and a.wa_id = due.wa_id
    returning a.*`.execute(db);
  return result.rows;
}

export interface AcceptedSend {
  campaignId: string;
  organizationId: string;
  phoneNumberId: string;
  waId: string;
  wamid: string;
  templateName: string;
  payload: unknown;
}

/**
 * Records a send Meta accepted: the wamid on the audience row and an outbound
 * row in the message history. A status webhook may have been stored first;
 * nothing it wrote is downgraded.
 */
export async function recordAccepted(db: Db, send: AcceptedSend, now = new Date()): Promise<void> {
  await inTransaction(db, async (trx) => {
    await sql`
      update campaign_audience set wamid = ${send.wamid}, accepted_at = ${now}, last_error = null,
        status = case when status = 'sending' then 'accepted' else status end, updated_at = ${now}
      where campaign_id = ${send.campaignId} and wa_id = ${send.waId}`.execute(trx);
    // The audience names a phone number, or a user id for a user known only by username.
    const byUserId = isBusinessScopedUserId(send.waId);
    const [contactId] = await resolveContacts(trx, [
      {
        organizationId: send.organizationId,
        waId: byUserId ? null : send.waId,
        userId: byUserId ? send.waId : null,
        seenAt: now,
      },
    ]);
    await sql`update campaign_audience set contact_id = ${contactId}
      where campaign_id = ${send.campaignId} and wa_id = ${send.waId} and contact_id is null`.execute(
      trx,
    );
    await trx
      .insertInto('messages')
      .values({
        organization_id: send.organizationId,
        wamid: send.wamid,
        direction: 'outbound',
        phone_number_id: send.phoneNumberId,
        contact_id: contactId!,
        contact_wa_id: byUserId ? null : send.waId,
        contact_user_id: byUserId ? send.waId : null,
        type: 'template',
        body: send.templateName,
        payload: pgJson(send.payload),
        status: 'accepted',
        occurred_at: now,
        biz_opaque_callback_data: campaignTag(send.campaignId),
        campaign_id: send.campaignId,
      })
      .onConflict((oc) =>
        oc.column('wamid').doUpdateSet((eb) => ({
          type: eb.ref('excluded.type'),
          body: eb.ref('excluded.body'),
          payload: eb.ref('excluded.payload'),
          campaign_id: eb.fn.coalesce('messages.campaign_id', eb.ref('excluded.campaign_id')),
        })),
      )
      .execute();
  });
}

export type SendOutcome =
  | { kind: 'failed'; errorCode: number | null; error: string }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'unknown'; error: string }
  /** Held back by a limit (131049): sent again at `retryAt`, or, when null, only by retry-failed. */
  | { kind: 'limit-deferred'; errorCode: number; error: string; retryAt: Date | null };

/**
 * Settles a claimed recipient whose send did not come back accepted:
 * failed for good, back to pending at a later time (only when Meta answered
 * with an error, so nothing went out), or unknown (the request may have
 * reached Meta; it is never sent again automatically).
 */
export async function settleRecipient(
  db: Db,
  campaignId: string,
  waId: string,
  outcome: SendOutcome,
  now = new Date(),
): Promise<void> {
  const common = { last_error: outcome.error, updated_at: now };
  const set =
    outcome.kind === 'failed'
      ? {
          ...common,
          status: 'failed',
          failed_at: now,
          error_code: outcome.errorCode,
          error_title: outcome.error,
        }
      : outcome.kind === 'retry'
        ? { ...common, status: 'pending', claimed_at: null, next_attempt_at: outcome.at }
        : outcome.kind === 'limit-deferred'
          ? {
              ...common,
              status: 'limit-deferred',
              claimed_at: null,
              failed_at: now,
              next_attempt_at: outcome.retryAt,
              error_code: outcome.errorCode,
              error_title: outcome.error,
            }
          : { ...common, status: 'unknown' };
  await db
    .updateTable('campaign_audience')
    .set(set)
    .where('campaign_id', '=', campaignId)
    .where('wa_id', '=', waId)
    .where('status', '=', 'sending')
    .execute();
}

/** Claims older than the cutoff were lost mid-send (a crash): their outcome is unknown. */
export async function expireStaleClaims(
  db: Db,
  campaignId: string,
  claimedBefore: Date,
): Promise<number> {
  const result = await db
    .updateTable('campaign_audience')
    .set({
      status: 'unknown',
      last_error: 'send outcome lost (claim expired)',
      updated_at: new Date(),
    })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'sending')
    .where('claimed_at', '<', claimedBefore)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Puts recipients whose outcome is unknown back in the queue. Only for an
 * operator who checked that they did not get the message: it may send twice.
 */
export async function requeueUnknown(db: Db, campaignId: string): Promise<number> {
  const result = await db
    .updateTable('campaign_audience')
    .set({ status: 'pending', claimed_at: null, next_attempt_at: null, updated_at: new Date() })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'unknown')
    .where('wamid', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface CampaignProgress {
  pendingDue: number;
  pendingLater: Date | null;
  inFlight: number;
}

export async function campaignProgress(
  db: Db,
  campaignId: string,
  now = new Date(),
): Promise<CampaignProgress> {
  const row = await sql<{ due: number; later: Date | null; in_flight: number }>`
    select
      count(*) filter (where (status = 'pending' and (next_attempt_at is null or next_attempt_at <= ${now}))
        or (status = 'limit-deferred' and next_attempt_at <= ${now}))::int as due,
      min(next_attempt_at) filter (where status in ('pending', 'limit-deferred') and next_attempt_at > ${now}) as later,
      count(*) filter (where status = 'sending')::int as in_flight
    from campaign_audience where campaign_id = ${campaignId}`.execute(db);
  const r = row.rows[0]!;
  return { pendingDue: r.due, pendingLater: r.later, inFlight: r.in_flight };
}
