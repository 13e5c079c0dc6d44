import { inTransaction } from './organization-scope';
import { sql } from 'kysely';
import type { MessageTemplate } from '@waba/whatsapp';
import type { TemplateRow } from './account-field.table';
import type { Db } from './connection';
import { pgJson, pgText } from './pg-safe';
import {
  applyTemplatesToCampaigns,
  type TemplateCampaignChanges,
} from './template-campaign.repository';

/** A template as the Graph API lists it (GET /{waba-id}/message_templates). */
export type SyncedTemplateInput = MessageTemplate;

export interface TemplateSyncResult extends TemplateCampaignChanges {
  /** Templates written (new or updated). */
  templates: number;
}

/** Spellings of a language code differ (`en_US` from the Graph API, `en-US` in some webhooks). */
const languageKey = (column: string) => sql<string>`lower(replace(${sql.ref(column)}, '-', '_'))`;

/**
 * Writes what the Graph API lists for a WABA into templates, in one
 * transaction: name, language and components as listed; status, category and
 * quality as of `syncedAt`, unless a webhook stored a later one (or one of the
 * same second). A status the
 * sync changes drops the reason the previous status came with. Then the
 * campaigns of a template that is now paused, disabled or rejected are
 * paused, and category changes are recorded on campaigns, as a webhook does.
 */
export async function upsertSyncedTemplates(
  db: Db,
  organizationId: string,
  wabaId: string,
  templates: readonly SyncedTemplateInput[],
  syncedAt = new Date(),
): Promise<TemplateSyncResult> {
  if (templates.length === 0) return { templates: 0, paused: [], recategorised: 0 };
  // Webhooks carry whole seconds. One of the sync's second that disagrees with what the sync
  // read tells of a change the sync did not see yet: it counts as later than the sync.
  const asOf = new Date(Math.floor(syncedAt.getTime() / 1000) * 1000 - 1);
  return inTransaction(db, async (trx) => {
    const newer = (aspect: 'status' | 'category' | 'quality') =>
      sql.raw(
        `(templates.${aspect}_at is null or excluded.${aspect}_at >= templates.${aspect}_at)`,
      );
    await trx
      .insertInto('templates')
      .values(
        templates.map((t) => ({
          organization_id: organizationId,
          template_id: pgText(t.id),
          waba_id: pgText(wabaId),
          name: pgText(t.name),
          language: pgText(t.language),
          status: pgText(t.status),
          status_at: asOf,
          category: pgText(t.category),
          category_at: t.category === null ? null : asOf,
          quality_score: pgText(t.qualityScore),
          quality_at: t.qualityScore === null ? null : (t.qualityAt ?? asOf),
          components: pgJson(t.components),
          synced_at: syncedAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'template_id']).doUpdateSet({
          waba_id: sql`excluded.waba_id`,
          name: sql`excluded.name`,
          language: sql`excluded.language`,
          components: sql`excluded.components`,
          synced_at: sql`excluded.synced_at`,
          status: sql`case when ${newer('status')} then excluded.status else templates.status end`,
          reason: sql`case when ${newer('status')} and excluded.status is distinct from templates.status
            then null else templates.reason end`,
          rejection_info: sql`case when ${newer('status')} and excluded.status is distinct from templates.status
            then null else templates.rejection_info end`,
          status_at: sql`greatest(templates.status_at, excluded.status_at)`,
          category: sql`case when excluded.category is not null and ${newer('category')}
            then excluded.category else templates.category end`,
          category_at: sql`greatest(templates.category_at, excluded.category_at)`,
          quality_score: sql`case when excluded.quality_score is not null and ${newer('quality')}
            then excluded.quality_score else templates.quality_score end`,
          quality_at: sql`greatest(templates.quality_at, excluded.quality_at)`,
          updated_at: sql`now()`,
        }),
      )
      .execute();
    const changes = await applyTemplatesToCampaigns(
      trx,
      templates.map((t) => ({ organizationId, templateId: t.id })),
      syncedAt,
    );
    return { templates: templates.length, ...changes };
  });
}

/** An organization's templates by name and language. */
export async function listTemplates(db: Db, organizationId: string): Promise<TemplateRow[]> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .orderBy('language')
    .orderBy('template_id')
    .execute();
}

/**
 * The organization's template of that name and language (`en_US` and
 * `en-US` alike); of several (a template deleted and created again), the one
 * synced or updated last.
 */
export async function findTemplate(
  db: Db,
  organizationId: string,
  name: string,
  language: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('name', '=', name)
    .where(languageKey('language'), '=', language.replace(/-/g, '_').toLowerCase())
    .orderBy('synced_at', (ob) => ob.desc().nullsLast())
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
