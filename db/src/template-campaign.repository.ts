import { sql } from 'kysely';
import type { CampaignRow } from './campaign.table';
import type { Db } from './connection';
import { text, unnestRows, uuid } from './unnest-insert';

/** Template statuses under which nothing may be sent: their running campaigns pause. */
export const TEMPLATE_STOP_STATUSES = [
  'PAUSED',
  'DISABLED',
  'REJECTED',
  'PENDING_DELETION',
  'DELETED',
] as const;

export interface TemplateKey {
  organizationId: string;
  templateId: string;
}

export interface TemplateCampaignChanges {
  /** Campaigns paused (or, already paused, given the template as their reason), with the reason. */
  paused: Array<{ campaignId: string; reason: string }>;
  /** Campaigns whose template_category changed. */
  recategorised: number;
}

const STOP = sql.join(TEMPLATE_STOP_STATUSES.map((s) => sql.lit(s)));

/** The reason a campaign pauses for its template, from the templates row `t`. */
const PAUSE_REASON = sql<string>`'template ' || coalesce(t.name, c.template_name) || ' ('
  || coalesce(t.language, c.template_language) || ') is ' || t.status
  || case when t.reason is not null and t.reason <> 'NONE' then ': ' || t.reason else '' end
  || '; resume the campaign once it is APPROVED again'`;

/**
 * Campaign `c` uses template `t`: by the id it was checked against, or, for a
 * campaign created before templates were checked, by name and language.
 */
const USES_TEMPLATE = sql<boolean>`c.organization_id = t.organization_id and (c.template_id = t.template_id
  or (c.template_id is null and c.template_name = t.name
      and lower(replace(c.template_language, '-', '_')) = lower(replace(t.language, '-', '_'))))`;

/**
 * Applies the current state of the given templates (after their rows were
 * written, in the same transaction) to their campaigns, within each
 * template's organization: a sending campaign whose template is now paused,
 * disabled, rejected or being deleted pauses with the reason (a paused one
 * takes that reason too: a send Meta refused for the template, 132015, may
 * have paused it a moment before the webhook came); a draft,
 * sending or paused campaign takes the template's current category. Returns
 * what changed.
 */
export async function applyTemplatesToCampaigns(
  db: Db,
  keys: readonly TemplateKey[],
  now = new Date(),
): Promise<TemplateCampaignChanges> {
  if (keys.length === 0) return { paused: [], recategorised: 0 };
  const changed = sql`(select t.* from templates t join ${unnestRows(
    'templates',
    {
      organization_id: uuid(keys.map((k) => k.organizationId)),
      template_id: text(keys.map((k) => k.templateId)),
    },
    'k',
  )} on k.organization_id = t.organization_id and k.template_id = t.template_id)`;
  const paused = await sql<{ id: string; last_error: string }>`
    update campaigns c set status = 'paused', updated_at = ${now},
      paused_at = case when c.status = 'sending' then ${now} else c.paused_at end,
      last_error = ${PAUSE_REASON}
    from ${changed} t
    where ${USES_TEMPLATE} and c.status in ('sending', 'paused') and t.status in (${STOP})
      and c.last_error is distinct from ${PAUSE_REASON}
    returning c.id, c.last_error`.execute(db);
  const recategorised = await sql`
    update campaigns c set template_category = t.category, updated_at = ${now}
    from ${changed} t
    where ${USES_TEMPLATE} and c.status in ('draft', 'sending', 'paused')
      and t.category is not null and c.template_category is distinct from t.category`.execute(db);
  return {
    paused: paused.rows.map((r) => ({ campaignId: r.id, reason: r.last_error })),
    recategorised: Number(recategorised.numAffectedRows ?? 0),
  };
}

/**
 * Why a campaign must not send now because of its template (paused,
 * disabled, rejected, being deleted), or undefined. A campaign resumed while
 * its template is still paused is paused again by its next slice.
 */
export async function templateHold(
  db: Db,
  campaign: Pick<CampaignRow, 'id' | 'organization_id'>,
): Promise<string | undefined> {
  const row = await sql<{ reason: string }>`
    select ${PAUSE_REASON} as reason from campaigns c join templates t on ${USES_TEMPLATE}
    where c.id = ${campaign.id} and c.organization_id = ${campaign.organization_id}
      and t.status in (${STOP})
    order by t.status_at desc nulls last limit 1`.execute(db);
  return row.rows[0]?.reason;
}
