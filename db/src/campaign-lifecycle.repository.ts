import { sql } from 'kysely';
import type { Db } from './connection';
import type { CampaignRow, CampaignStatsView, CampaignStatus } from './campaign.table';
import { CampaignError } from './errors';

export interface NewCampaignInput {
  organizationId: string;
  name: string;
  templateName: string;
  templateLanguage: string;
  /** Meta id of the template the campaign was checked against (its webhooks then find the campaign). */
  templateId?: string | null;
  /** Meta's template category (MARKETING, UTILITY, AUTHENTICATION), when known. */
  templateCategory?: string | null;
  /** Template components; strings may hold {{column}} placeholders filled per recipient. */
  templateComponents?: unknown[];
  /** Sending number; may be omitted when the organization has exactly one. */
  phoneNumberId?: string;
  ratePerSecond?: number | null;
}

export async function createCampaign(db: Db, input: NewCampaignInput): Promise<CampaignRow> {
  const numbers = await db
    .selectFrom('phone_numbers')
    .select('phone_number_id')
    .where('organization_id', '=', input.organizationId)
    .execute();
  const ids = numbers.map((n) => n.phone_number_id);
  let phoneNumberId = input.phoneNumberId;
  if (phoneNumberId === undefined) {
    if (ids.length !== 1)
      throw new CampaignError(
        `the organization has ${ids.length} phone numbers (${ids.join(', ') || 'none'}); name the sending number`,
      );
    phoneNumberId = ids[0]!;
  } else if (!ids.includes(phoneNumberId)) {
    throw new CampaignError(`phone number ${phoneNumberId} does not belong to the organization`);
  }
  return db
    .insertInto('campaigns')
    .values({
      organization_id: input.organizationId,
      name: input.name,
      phone_number_id: phoneNumberId,
      template_name: input.templateName,
      template_language: input.templateLanguage,
      template_id: input.templateId ?? null,
      template_category: input.templateCategory ?? null,
      template_components: JSON.stringify(input.templateComponents ?? []),
      rate_per_second: input.ratePerSecond ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getCampaign(db: Db, campaignId: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst();
}

export async function listCampaigns(db: Db, organizationId: string): Promise<CampaignStatsView[]> {
  return db
    .selectFrom('campaign_stats')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('campaign_id')
    .execute();
}

const TRANSITIONS: Record<string, { from: CampaignStatus[]; to: CampaignStatus }> = {
  start: { from: ['draft', 'paused'], to: 'sending' },
  resume: { from: ['paused'], to: 'sending' },
  pause: { from: ['sending'], to: 'paused' },
  cancel: { from: ['draft', 'sending', 'paused'], to: 'cancelled' },
};
export type CampaignAction = 'start' | 'resume' | 'pause' | 'cancel';

/** Moves a campaign through its life cycle; an impossible move is a clear error. */
export async function changeCampaignStatus(
  db: Db,
  campaignId: string,
  action: CampaignAction,
  now = new Date(),
): Promise<CampaignRow> {
  const { from, to } = TRANSITIONS[action]!;
  const row = await db
    .updateTable('campaigns')
    .set({
      status: to,
      updated_at: now,
      ...(to === 'sending' ? { paused_at: null, last_error: null } : {}),
      ...(to === 'paused' ? { paused_at: now } : {}),
      ...(to === 'cancelled' ? { cancelled_at: now } : {}),
    })
    .$if(to === 'sending', (q) =>
      q.set((eb) => ({ started_at: eb.fn.coalesce('started_at', eb.val(now)) })),
    )
    .where('id', '=', campaignId)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (row) return row;
  const current = await getCampaign(db, campaignId);
  if (!current) throw new CampaignError(`campaign ${campaignId} not found`);
  throw new CampaignError(`cannot ${action} a campaign that is ${current.status}`);
}

/** Pauses a sending campaign because of an error someone has to fix (template, token, block). */
export async function pauseCampaignForError(
  db: Db,
  campaignId: string,
  error: string,
  now = new Date(),
): Promise<void> {
  await db
    .updateTable('campaigns')
    .set({ status: 'paused', paused_at: now, last_error: error, updated_at: now })
    .where('id', '=', campaignId)
    .where('status', '=', 'sending')
    .execute();
}

/** Marks a sending campaign completed once nothing is pending, in flight or deferred to a set time. */
export async function completeIfDone(
  db: Db,
  campaignId: string,
  now = new Date(),
): Promise<boolean> {
  const result = await sql`
    update campaigns set status = 'completed', completed_at = ${now}, updated_at = ${now}
    where id = ${campaignId} and status = 'sending'
      and not exists (select 1 from campaign_audience
                      where campaign_id = ${campaignId} and (status in ('pending', 'sending')
                        or (status = 'limit-deferred' and next_attempt_at is not null)))`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0) > 0;
}
