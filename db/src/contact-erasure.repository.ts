import { inTransaction } from './organization-scope';
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { metaEscape } from '@waba/whatsapp';
import type { Db } from './connection';
import type { Database } from './database';
import { auditHits, findPerson, type ContactKey, type Person } from './person';
import type { BodyScope } from './person-items';
import { pgJson } from './pg-safe';

type Trx = Transaction<Database>;

/** What an erasure did: rows erased or redacted per kind, and its erasure_log row. */
export interface ErasureReport {
  contactId: number;
  rowCounts: Record<string, number>;
  logId: number;
  /** The person's archived files (media bucket keys): deleted by the caller once this commits. */
  mediaKeys: string[];
  /**
   * Outside the database, for the caller once this commits: the claim-check
   * copies of the redacted raw bodies (payload bucket key `webhooks/<day>/<sha256>.json`,
   * written only for large bodies) with what stays of each, and what names
   * the person (identifiers, wamids) and which changes are the organization's,
   * to redact queued bodies the same way. Never logged.
   */
  outside: {
    claimChecks: Array<{ key: string; body: string }>;
    marks: string[];
    scope: BodyScope;
    contactId: number;
  };
}

const any = (values: readonly string[]) => sql`any(${values}::text[])`;
/** Every wamid of the person: their messages, and statuses and campaign sends naming them. */
async function personWamids(trx: Trx, org: string, p: Person): Promise<string[]> {
  const ids = p.identifiers;
  const { rows } = await sql<{ wamid: string }>`
    select wamid from message_status_events where organization_id = ${org}
      and (contact_id = ${p.contact.id} or recipient_id = ${any(ids)} or recipient_user_id = ${any(ids)})
    union
    select wamid from campaign_audience where organization_id = ${org} and wamid is not null
      and (contact_id = ${p.contact.id} or wa_id = ${any(ids)})`.execute(trx);
  return [...new Set([...p.wamids, ...rows.map((r) => r.wamid)])];
}

/** Removes the person's items from the organization's audit trail; other items stay as they are. */
async function redactAudit(
  trx: Trx,
  org: string,
  p: Person,
  count: (k: string, n: number) => void,
): Promise<Array<{ key: string; body: string }>> {
  const claimChecks: Array<{ key: string; body: string }> = [];
  for (const h of await auditHits(trx, org, p)) {
    count(h.kind, 1);
    if (h.kind === 'account_event') {
      if (h.whole) await trx.deleteFrom('account_events').where('id', '=', h.id).execute();
      else
        await trx
          .updateTable('account_events')
          .set({ value: pgJson(h.kept) })
          .where('id', '=', h.id)
          .execute();
    } else if (h.kind === 'webhook_event') {
      const body = metaEscape(JSON.stringify(h.kept));
      // The receiver's claim-check key: the day it received the body and the body's hash.
      const day = h.at.toISOString().slice(0, 10).replaceAll('-', '/');
      claimChecks.push({ key: `webhooks/${day}/${h.bodySha256}.json`, body });
      await trx
        .updateTable('webhook_events')
        .set({ raw_body: body })
        .where('id', '=', h.id)
        .where('received_month', '=', h.receivedMonth!)
        .execute();
    } else {
      await trx
        .updateTable('webhook_event_extracts')
        .set({ body: pgJson(h.kept) })
        .where('id', '=', h.id)
        .where('received_month', '=', h.receivedMonth!)
        .execute();
    }
  }
  return claimChecks;
}

/**
 * Erases one customer of one organization in one transaction (docs/privacy.md):
 * 1. their items leave the raw bodies, the reduced bodies and account events;
 * 2. rows that are only theirs are deleted (revisions, reactions, opt-outs,
 *    calls, standby, bot state, answer attempts, identity changes);
 * 3. rows the organization's aggregates count stay, redacted: messages and
 *    statuses lose text, payload and numbers, their wamid becomes a random
 *    pseudonym; audience rows keep their status but lose address and values;
 * 4. the contact becomes a tombstone no webhook can name (a later message
 *    from the same number makes a new contact);
 * 5. an erasure_log row records the counts, never the data.
 */
export async function eraseContact(
  db: Db,
  organizationId: string,
  key: ContactKey,
  options: { by: string },
): Promise<ErasureReport> {
  return inTransaction(db, async (trx) => {
    const org = organizationId;
    const p = await findPerson(trx, org, key);
    const id = p.contact.id;
    const ids = p.identifiers;
    const wamids = await personWamids(trx, org, p);
    for (const w of wamids) p.marks.add(w);
    const counts: Record<string, number> = {};
    const count = (kind: string, n: number) => {
      if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
    };

    const claimChecks = await redactAudit(trx, org, p, count);

    const del = async (kind: string, table: string, where: ReturnType<typeof sql>) =>
      count(
        kind,
        Number(
          (
            await sql`delete from ${sql.table(table)} where organization_id = ${org} and ${where}`.execute(
              trx,
            )
          ).numAffectedRows ?? 0,
        ),
      );
    await del('revision', 'message_revisions', sql`wamid = ${any(wamids)}`);
    await del(
      'reaction',
      'message_reactions',
      sql`(wamid = ${any(wamids)} or contact_wa_id = ${any(ids)})`,
    );
    await del('suppression', 'suppressions', sql`wa_id = ${any(ids)}`);
    await del(
      'marketing_preference',
      'marketing_preferences',
      sql`(wa_id = ${any(ids)} or user_id = ${any(ids)})`,
    );
    await del(
      'call',
      'calls',
      sql`(contact_wa_id = ${any(ids)} or contact_user_id = ${any(ids)} or from_id = ${any(ids)} or to_id = ${any(ids)})`,
    );
    await del(
      'standby_event',
      'standby_events',
      sql`(contact_wa_id = ${any(ids)} or contact_user_id = ${any(ids)})`,
    );
    const media = await trx
      .deleteFrom('media_objects')
      .where('organization_id', '=', org)
      .where(sql<boolean>`wamid = ${any(wamids)}`)
      .returning('s3_key')
      .execute();
    count('media_object', media.length);
    // The 24-hour messaging window keeps counting the send, under a pseudonym.
    count(
      'messaging_window',
      Number(
        (
          await sql`update messaging_window_recipients set recipient = 'erased:' || gen_random_uuid()
            where organization_id = ${org} and recipient = ${any(ids)}`.execute(trx)
        ).numAffectedRows ?? 0,
      ),
    );
    await del('conversation', 'conversations', sql`contact_id = ${id}`);
    await del('answer_attempt', 'answer_attempts', sql`contact_id = ${id}`);
    await del('identity_change', 'contact_identity_changes', sql`contact_id = ${id}`);

    // One pseudonym per wamid, the same in messages, statuses and audience rows.
    const pseudonyms = wamids.map(() => `erased.${randomUUID()}`);
    const renamed = sql`unnest(${wamids}::text[], ${pseudonyms}::text[]) as m(old, new)`;
    const redacted = async (kind: string, statement: ReturnType<typeof sql>) =>
      count(kind, Number((await statement.execute(trx)).numAffectedRows ?? 0));
    await redacted(
      'status_event',
      sql`update message_status_events e set wamid = m.new, recipient_id = null,
        recipient_user_id = null, contact_id = null, payload = '{}'::jsonb, conversation_id = null
      from ${renamed} where e.organization_id = ${org} and e.wamid = m.old`,
    );
    await redacted(
      'message',
      sql`update messages set wamid = m.new, contact_wa_id = null, contact_user_id = null, body = null,
        payload = null, context_wamid = null, in_reply_to = null, errors = null, updated_at = now()
      from ${renamed} where organization_id = ${org} and contact_id = ${id} and wamid = m.old`,
    );
    await redacted(
      'campaign_audience',
      sql`update campaign_audience a set wa_id = 'erased:' || gen_random_uuid(), parameters = '{}'::jsonb,
        contact_id = null, last_error = null, updated_at = now(),
        -- Never sent now: a pending recipient who was erased is settled, not sent to an address that is gone.
        status = case when a.status = 'pending' then 'failed' else a.status end,
        failed_at = case when a.status = 'pending' then now() else a.failed_at end,
        error_title = case when a.status = 'pending' then 'contact erased' else a.error_title end,
        wamid = (select m.new from ${renamed} where m.old = a.wamid)
      where a.organization_id = ${org} and (a.contact_id = ${id} or a.wa_id = ${any(ids)})`,
    );
    await redacted(
      'contact',
      sql`update contacts set wa_id = null, user_id = 'erased:' || gen_random_uuid(), parent_user_id = null,
        username = null, profile_name = null, address_book_name = null, address_book_updated_at = null,
        updated_at = now()
      where organization_id = ${org} and id = ${id}`,
    );

    const log = await trx
      .insertInto('erasure_log')
      .values({
        organization_id: org,
        erased_by: options.by,
        kinds: Object.keys(counts),
        row_counts: pgJson(counts),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mediaKeys = media.map((m) => m.s3_key).filter((k): k is string => k !== null);
    return {
      contactId: id,
      rowCounts: counts,
      logId: log.id,
      mediaKeys,
      outside: { claimChecks, marks: [...p.marks], scope: p.scope, contactId: id },
    };
  });
}
