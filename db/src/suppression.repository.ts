import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database';
import { pgText } from './pg-safe';
import type {
  OptOutAction,
  OptOutKeywordsRow,
  SuppressionRow,
  SuppressionSource,
} from './suppression.table';

type Executor = Kysely<Database> | Transaction<Database>;

export interface SuppressionInput {
  /** Phone wa_id or BSUID, as campaign audiences address the contact. */
  waId: string;
  source: SuppressionSource;
  detail?: string | null;
  /** When the contact opted out. */
  at: Date;
}

/**
 * Puts contacts on an organization's suppression list in one statement. A
 * contact already there keeps the later opt-out (its time, source and detail).
 * Returns how many rows were added or changed.
 */
export async function suppressContacts(
  db: Executor,
  organizationId: string,
  entries: readonly SuppressionInput[],
): Promise<number> {
  if (entries.length === 0) return 0;
  // One row per contact (the latest), or the upsert would touch a row twice.
  const latest = new Map<string, SuppressionInput>();
  for (const e of entries) {
    const seen = latest.get(e.waId);
    if (!seen || e.at >= seen.at) latest.set(e.waId, e);
  }
  const rows = [...latest.values()];
  const result = await db
    .insertInto('suppressions')
    .values(
      rows.map((e) => ({
        organization_id: organizationId,
        wa_id: pgText(e.waId),
        source: e.source,
        detail: pgText(e.detail ?? null),
        suppressed_at: e.at,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['organization_id', 'wa_id'])
        .doUpdateSet({
          source: sql`excluded.source`,
          detail: sql`excluded.detail`,
          suppressed_at: sql`excluded.suppressed_at`,
          updated_at: sql`now()`,
        })
        .where(sql<boolean>`excluded.suppressed_at >= suppressions.suppressed_at`),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/**
 * Takes contacts off the suppression list. With `optedInAt` (a resume or a
 * START), an opt-out given after that moment stays. Returns how many were lifted.
 */
export async function liftSuppressions(
  db: Executor,
  organizationId: string,
  waIds: readonly string[],
  optedInAt?: Date,
): Promise<number> {
  if (waIds.length === 0) return 0;
  const result = await db
    .deleteFrom('suppressions')
    .where('organization_id', '=', organizationId)
    .where(
      'wa_id',
      'in',
      waIds.map((w) => pgText(w)),
    )
    .$if(optedInAt !== undefined, (q) => q.where('suppressed_at', '<=', optedInAt!))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** An organization's suppression list, oldest opt-out first. */
export async function listSuppressions(
  db: Executor,
  organizationId: string,
): Promise<SuppressionRow[]> {
  return db
    .selectFrom('suppressions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('suppressed_at')
    .orderBy('wa_id')
    .execute();
}

/**
 * The template category of campaign alias `c`: the campaign's own, else the
 * templates table's; null when neither names one.
 */
export const campaignTemplateCategory = sql<string | null>`coalesce(c.template_category,
    (select t.category from templates t where t.organization_id = c.organization_id
       and t.name = c.template_name and t.language = c.template_language
       and t.category is not null order by t.updated_at desc limit 1))`;

/**
 * True for an audience row (alias `a`, of campaign alias `c`) whose contact is
 * on its organization's suppression list while the campaign sends a
 * marketing template. A template whose category is unknown (neither the
 * campaign nor the templates table names one) counts as marketing.
 */
export const suppressedRecipient = sql<boolean>`(exists (
    select 1 from suppressions s where s.organization_id = a.organization_id and s.wa_id = a.wa_id)
  and upper(coalesce(${campaignTemplateCategory}, 'MARKETING')) = 'MARKETING')`;

/**
 * Gives the pending recipients of a campaign for which `rule` (over audience
 * alias `a` and campaign alias `c`) holds a final status and its reason.
 */
export async function markPendingRecipients(
  db: Executor,
  campaignId: string,
  status: string,
  reason: string,
  rule: RawBuilder<boolean>,
): Promise<number> {
  const result = await sql`
    update campaign_audience a set status = ${status}, last_error = ${reason}, updated_at = now()
    from campaigns c
    where a.campaign_id = ${campaignId} and a.status = 'pending' and c.id = a.campaign_id
      and ${rule}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Marks the pending recipients of a campaign that are suppressed (suppressedRecipient) as `suppressed`. */
export async function suppressCampaignRecipients(
  db: Executor,
  campaignId: string,
): Promise<number> {
  return markPendingRecipients(
    db,
    campaignId,
    'suppressed',
    'on the suppression list',
    suppressedRecipient,
  );
}

/** An organization's STOP / START keyword rows (languages without a row use the defaults). */
export async function getOptOutKeywords(
  db: Executor,
  organizationId: string,
): Promise<OptOutKeywordsRow[]> {
  return db
    .selectFrom('opt_out_keywords')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('language')
    .orderBy('action')
    .execute();
}

/** Sets one language's STOP or START keywords and confirmation reply for an organization. */
export async function setOptOutKeywords(
  db: Executor,
  organizationId: string,
  row: { language: string; action: OptOutAction; keywords: string[]; reply: string },
): Promise<void> {
  await db
    .insertInto('opt_out_keywords')
    .values({
      organization_id: organizationId,
      language: pgText(row.language),
      action: row.action,
      keywords: row.keywords.map((k) => pgText(k)),
      reply: pgText(row.reply),
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'language', 'action']).doUpdateSet({
        keywords: sql`excluded.keywords`,
        reply: sql`excluded.reply`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}
