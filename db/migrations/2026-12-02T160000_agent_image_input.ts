import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Whether the answer worker hands a customer's archived image to the model
 * (an image input) besides its caption. Off by default: an organization opts
 * in, since the image leaves the deployment for the model's provider.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table agent_configs add column image_input boolean not null default false;
    comment on column agent_configs.image_input is 'When on and the model accepts images, the answer worker sends the archived image of an image message (media_objects, state stored) to the model with its caption. Set with: npm run cli -- agent set --org <slug> --images on|off.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agent_configs drop column image_input`.execute(db);
}
