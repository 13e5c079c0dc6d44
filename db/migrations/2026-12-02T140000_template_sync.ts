import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

const TEMPLATES_BEFORE =
  'Current state of each message template (per organization and Meta template id), from message_template_status_update, message_template_quality_update and template_category_update; history in template_events.';
const TEMPLATES_AFTER =
  'Current state of each message template (per organization and Meta template id): synced from the Graph API (GET /{waba-id}/message_templates, `template sync`) and kept current by message_template_status_update, message_template_quality_update and template_category_update; history in template_events.';

/**
 * Templates synced from the Graph API keep their components (the {{n}} /
 * {{name}} parameters a campaign must fill) and when they were synced; a
 * campaign names the template it was checked against, so a template webhook
 * finds the campaigns it pauses or re-categorises by id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table templates
      add column components jsonb,
      add column synced_at timestamptz;
    comment on table templates is ${sql.lit(TEMPLATES_AFTER)};
    comment on column templates.components is 'Template components as the Graph API lists them (HEADER, BODY, FOOTER, BUTTONS with their {{n}} or {{name}} parameters); null until synced.';
    comment on column templates.synced_at is 'Last time the template was read from the Graph API (template sync); null: known from webhooks only.';

    alter table campaigns add column template_id text;
    create index campaigns_template_idx on campaigns (organization_id, template_id)
      where template_id is not null;
    comment on column campaigns.template_id is 'Meta id of the template the campaign was checked against at creation (templates.template_id): its status and category webhooks pause or re-categorise the campaign. Null for campaigns created before templates were checked (matched by name and language).';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index campaigns_template_idx;
    alter table campaigns drop column template_id;
    alter table templates drop column synced_at, drop column components;
    comment on table templates is ${sql.lit(TEMPLATES_BEFORE)};
  `.execute(db);
}
