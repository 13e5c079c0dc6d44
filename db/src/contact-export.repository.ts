import { sql } from 'kysely';
import type { Db } from './connection';
import { auditHits, findPerson, type ContactKey, type Person } from './person';

/** Kinds of records an export holds, one per place the person's data lives (docs/privacy.md). */
export type ExportKind =
  | 'contact'
  | 'identity_change'
  | 'message'
  | 'status_event'
  | 'revision'
  | 'reaction'
  | 'campaign_audience'
  | 'suppression'
  | 'marketing_preference'
  | 'answer_attempt'
  | 'conversation'
  | 'call'
  | 'standby_event'
  | 'media_object'
  | 'messaging_window'
  | 'account_event'
  | 'webhook_event'
  | 'webhook_event_extract';

/** One line of an export. */
export interface ExportRecord {
  kind: ExportKind;
  row: unknown;
}

const any = (values: readonly string[]) => sql`any(${values}::text[])`;

/** The rows of the person's own tables, by kind. */
async function ownRows(db: Db, org: string, p: Person): Promise<ExportRecord[]> {
  const id = p.contact.id;
  const ids = p.identifiers;
  const byContact = <
    T extends 'contact_identity_changes' | 'messages' | 'answer_attempts' | 'conversations',
  >(
    table: T,
  ) =>
    db
      .selectFrom(table as 'messages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('contact_id', '=', id)
      .execute();
  const byWamid = (table: 'message_revisions' | 'message_reactions' | 'media_objects') =>
    db
      .selectFrom(table as 'message_revisions')
      .selectAll()
      .where('organization_id', '=', org)
      .where(sql<boolean>`wamid = ${any(p.wamids)}`)
      .execute();
  const tagged = (kind: ExportKind, rows: readonly unknown[]) => rows.map((row) => ({ kind, row }));
  const [changes, messages, attempts, conversations] = await Promise.all([
    byContact('contact_identity_changes'),
    byContact('messages'),
    byContact('answer_attempts'),
    byContact('conversations'),
  ]);
  const statuses = await db
    .selectFrom('message_status_events')
    .selectAll()
    .where('organization_id', '=', org)
    .where(
      sql<boolean>`(contact_id = ${id} or wamid = ${any(p.wamids)} or recipient_id = ${any(ids)} or recipient_user_id = ${any(ids)})`,
    )
    .orderBy('occurred_at')
    .execute();
  const reactions = await db
    .selectFrom('message_reactions')
    .selectAll()
    .where('organization_id', '=', org)
    .where(sql<boolean>`(wamid = ${any(p.wamids)} or contact_wa_id = ${any(ids)})`)
    .execute();
  const audience = await db
    .selectFrom('campaign_audience')
    .selectAll()
    .where('organization_id', '=', org)
    .where(sql<boolean>`(contact_id = ${id} or wa_id = ${any(ids)})`)
    .execute();
  const byIds = (
    table: 'marketing_preferences' | 'calls' | 'standby_events' | 'messaging_window_recipients',
    cols: string[],
  ) =>
    db
      .selectFrom(table as 'calls')
      .selectAll()
      .where('organization_id', '=', org)
      .where(
        sql<boolean>`(${sql.join(
          cols.map((c) => sql`${sql.ref(c)} = ${any(ids)}`),
          sql` or `,
        )})`,
      )
      .execute();
  const suppressions = await db
    .selectFrom('suppressions')
    .selectAll()
    .where('organization_id', '=', org)
    .where(sql<boolean>`wa_id = ${any(ids)}`)
    .execute();
  return [
    { kind: 'contact', row: p.contact },
    ...tagged('identity_change', changes),
    ...tagged('message', messages),
    ...tagged('status_event', statuses),
    ...tagged('revision', await byWamid('message_revisions')),
    ...tagged('reaction', reactions),
    ...tagged('campaign_audience', audience),
    ...tagged('suppression', suppressions),
    ...tagged('marketing_preference', await byIds('marketing_preferences', ['wa_id', 'user_id'])),
    ...tagged('answer_attempt', attempts),
    ...tagged('conversation', conversations),
    ...tagged(
      'call',
      await byIds('calls', ['contact_wa_id', 'contact_user_id', 'from_id', 'to_id']),
    ),
    ...tagged('standby_event', await byIds('standby_events', ['contact_wa_id', 'contact_user_id'])),
    // Archived files: their rows (S3 key, size, sha256); `contact export` writes the files beside.
    ...tagged('media_object', await byWamid('media_objects')),
    ...tagged('messaging_window', await byIds('messaging_window_recipients', ['recipient'])),
  ];
}

/** The person's items of the audit trail: raw bodies, reduced bodies and account events. */
async function auditItems(db: Db, org: string, p: Person): Promise<ExportRecord[]> {
  return (await auditHits(db, org, p)).map((h) => ({
    kind: h.kind,
    row: {
      id: h.id,
      at: h.at,
      items: h.whole ? [{ path: '$', item: 'the whole row' }] : h.removed,
    },
  }));
}

/**
 * Everything the pipeline holds about one customer of one organization
 * (docs/privacy.md): their rows by kind, then their items of the audit
 * trail, never another customer's items of a shared body, never another
 * organization's rows.
 */
export async function exportContact(
  db: Db,
  organizationId: string,
  key: ContactKey,
): Promise<ExportRecord[]> {
  const person = await findPerson(db, organizationId, key);
  return [
    ...(await ownRows(db, organizationId, person)),
    ...(await auditItems(db, organizationId, person)),
  ];
}

/** An export as JSON lines. */
export function toJsonLines(records: readonly ExportRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
}
