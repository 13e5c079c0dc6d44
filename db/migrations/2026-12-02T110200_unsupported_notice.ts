import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/** The notice the answer worker sent to every organization before it became a setting. */
const DEFAULT_NOTICE =
  "Sorry, I can't read this kind of message. Could you send it as text, a photo or a voice note?";

/**
 * The "I can't read this kind of message" notice for `unsupported` messages
 * becomes a per-organization setting of its agent, defaulting to the text
 * that was sent until now. A WhatsApp text body holds at most 4096 characters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table agent_configs add column unsupported_notice text not null
      default ${sql.lit(DEFAULT_NOTICE)}
      check (length(btrim(unsupported_notice)) > 0 and length(unsupported_notice) <= 4096);
    comment on column agent_configs.unsupported_notice is 'Sent once per contact and 24 h window when a customer sends only messages WhatsApp cannot show (type unsupported). Set with: npm run cli -- agent set --org <slug> --unsupported-notice <text>.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agent_configs drop column unsupported_notice`.execute(db);
}
