import { sql, type Kysely, type Transaction } from 'kysely';
import type { ContactIdentityChangeKind, ContactRow } from './contact.table';
import type { Database } from './database';
import { pgText } from './pg-safe';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * One sighting of a customer: a phone number (`waId`), a business-scoped user
 * id (`userId`, BSUID), or both. Profile fields are optional; null keeps what
 * the contact had.
 */
export interface ContactIdentity {
  organizationId: string;
  waId: string | null;
  userId: string | null;
  parentUserId?: string | null;
  username?: string | null;
  profileName?: string | null;
  seenAt: Date;
}

/** A re-key announced by Meta (`user_changed_number`, `user_changed_user_id`, `user_id_update`). */
export interface IdentityChange {
  organizationId: string;
  kind: Exclude<ContactIdentityChangeKind, 'merge'>;
  previous: { waId: string | null; userId: string | null };
  next: { waId: string | null; userId: string | null; parentUserId?: string | null };
  wamid: string | null;
  occurredAt: Date;
}

/** Tables whose rows name a contact by `contact_id`; a merge re-points them all. */
const CONTACT_REFERENCES = [
  'messages',
  'message_status_events',
  'campaign_audience',
  'answer_attempts',
  'contact_identity_changes',
] as const;

// The address-book name (smb_app_state_sync) is written by the coexistence path, not here.
type Working = Omit<
  ContactRow,
  'id' | 'created_at' | 'updated_at' | 'address_book_name' | 'address_book_updated_at'
> & {
  id: number | null;
  dirty: boolean;
};

const waKey = (org: string, waId: string) => `${org}|w|${waId}`;
const userKey = (org: string, userId: string) => `${org}|u|${userId}`;

/** Loads, locked for the transaction, every contact any identity names. */
async function loadContacts(
  db: Executor,
  identities: readonly Pick<ContactIdentity, 'organizationId' | 'waId' | 'userId'>[],
): Promise<ContactRow[]> {
  const orgs = identities.map((i) => i.organizationId);
  const was = identities.map((i) => pgText(i.waId));
  const users = identities.map((i) => pgText(i.userId));
  if (identities.length === 0) return [];
  const rows = await sql<ContactRow>`
    select c.* from contacts c
    join unnest(${orgs}::uuid[], ${was}::text[], ${users}::text[]) as t(o, w, u)
      on c.organization_id = t.o and (c.wa_id = t.w or c.user_id = t.u)
    order by c.id
    for update of c`.execute(db);
  const seen = new Set<number>();
  return rows.rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

/**
 * Moves everything of contact `loser` to `survivor` (same organization) and
 * deletes `loser`. The survivor's conversations win over the loser's. The
 * merge gets its own `contact_identity_changes` row unless a re-key that
 * caused it records it (`record: false`).
 */
async function mergeContact(
  db: Executor,
  organizationId: string,
  survivor: number,
  loser: Working,
  occurredAt: Date,
  record = true,
): Promise<void> {
  for (const table of CONTACT_REFERENCES) {
    await sql`update ${sql.table(table)} set contact_id = ${survivor}
      where contact_id = ${loser.id}`.execute(db);
  }
  await sql`
    delete from conversations l where l.contact_id = ${loser.id} and exists (
      select from conversations s where s.contact_id = ${survivor}
        and s.organization_id = l.organization_id and s.phone_number_id = l.phone_number_id);
    `.execute(db);
  await sql`update conversations set contact_id = ${survivor} where contact_id = ${loser.id}`.execute(
    db,
  );
  if (record)
    await sql`
      insert into contact_identity_changes (organization_id, contact_id, kind, previous_wa_id,
        previous_user_id, occurred_at)
      values (${organizationId}, ${survivor}, 'merge', ${loser.wa_id}, ${loser.user_id}, ${occurredAt})
      on conflict do nothing`.execute(db);
  // The survivor keeps the newest profile of the two (ties by name, as for sightings).
  await sql`
    update contacts s set
      profile_name = case when (${loser.last_seen_at}::timestamptz, coalesce(${loser.profile_name}::text, ''))
          > (s.last_seen_at, coalesce(s.profile_name, ''))
        then coalesce(${loser.profile_name}::text, s.profile_name) else coalesce(s.profile_name, ${loser.profile_name}::text) end,
      username = coalesce(s.username, ${loser.username}::text),
      parent_user_id = coalesce(s.parent_user_id, ${loser.parent_user_id}::text),
      first_seen_at = least(s.first_seen_at, ${loser.first_seen_at}::timestamptz),
      last_seen_at = greatest(s.last_seen_at, ${loser.last_seen_at}::timestamptz),
      -- The address-book name of the later sync survives the merge.
      address_book_name = case when s.address_book_updated_at is null
          or l.address_book_updated_at > s.address_book_updated_at
        then coalesce(l.address_book_name, s.address_book_name) else s.address_book_name end,
      address_book_updated_at = greatest(s.address_book_updated_at, l.address_book_updated_at)
    from contacts l
    where s.id = ${survivor} and l.id = ${loser.id}`.execute(db);
  await sql`delete from contacts where id = ${loser.id}`.execute(db);
}

/**
 * Resolves customer identities to contact ids, creating, linking and merging
 * contacts as needed. This is the one place contacts are written from
 * webhooks and sends. Run it inside the batch's transaction.
 *
 * For each identity, in the order given after those carrying both ids:
 * 1. find the contact by `waId` and the contact by `userId`;
 * 2. none: create one; one: complete it (a payload with both ids links a
 *    phone-only or BSUID-only contact to the other id); two different ones:
 *    the same person was known twice, so the younger contact is merged into
 *    the older (every row re-pointed, the merge recorded in
 *    `contact_identity_changes`);
 * 3. profile fields (name, username, parent user id) follow the latest
 *    sighting; first/last seen span all sightings.
 *
 * @returns the contact id of each identity, in input order.
 */
export async function resolveContacts(
  db: Executor,
  identities: readonly ContactIdentity[],
): Promise<number[]> {
  const usable = identities.filter((i) => i.waId !== null || i.userId !== null);
  if (usable.length < identities.length)
    throw new TypeError('resolveContacts: every identity needs a waId or a userId');
  const byKey = new Map<string, Working>();
  for (const row of await loadContacts(db, usable)) {
    const w: Working = { ...row, dirty: false };
    if (row.wa_id !== null) byKey.set(waKey(row.organization_id, row.wa_id), w);
    if (row.user_id !== null) byKey.set(userKey(row.organization_id, row.user_id), w);
  }

  const order = identities
    .map((_, i) => i)
    .sort(
      (a, b) =>
        Number(identities[b]!.waId !== null && identities[b]!.userId !== null) -
        Number(identities[a]!.waId !== null && identities[a]!.userId !== null),
    );
  const chosen: (Working | undefined)[] = new Array(identities.length);
  const created: Working[] = [];

  for (const i of order) {
    const id = identities[i]!;
    const org = id.organizationId;
    const byWa = id.waId !== null ? byKey.get(waKey(org, id.waId)) : undefined;
    const byUser = id.userId !== null ? byKey.get(userKey(org, id.userId)) : undefined;
    let contact = byWa ?? byUser;
    if (byWa && byUser && byWa !== byUser) {
      // Two contacts, one person: keep the older (or the one already stored).
      const [survivor, loser] =
        byWa.id !== null && (byUser.id === null || byWa.id < byUser.id)
          ? [byWa, byUser]
          : [byUser, byWa];
      if (loser.id !== null && survivor.id !== null) {
        await mergeContact(db, org, survivor.id, loser, id.seenAt);
      } else created.splice(created.indexOf(loser), 1);
      // The survivor's row is written from this working copy: fold the loser's profile in.
      applySighting(survivor, {
        organizationId: org,
        waId: null,
        userId: null,
        parentUserId: loser.parent_user_id,
        username: loser.username,
        profileName: loser.profile_name,
        seenAt: loser.last_seen_at,
      });
      if (loser.first_seen_at < survivor.first_seen_at)
        survivor.first_seen_at = loser.first_seen_at;
      // The sighting that links them is the truth for both ids.
      survivor.wa_id = id.waId;
      survivor.user_id = id.userId;
      survivor.dirty = true;
      survivor.first_seen_at =
        loser.first_seen_at < survivor.first_seen_at ? loser.first_seen_at : survivor.first_seen_at;
      for (const [k, v] of byKey) if (v === loser) byKey.set(k, survivor);
      for (let j = 0; j < chosen.length; j++) if (chosen[j] === loser) chosen[j] = survivor;
      contact = survivor;
    }
    if (!contact) {
      contact = {
        id: null,
        organization_id: org,
        wa_id: id.waId,
        user_id: id.userId,
        parent_user_id: id.parentUserId ?? null,
        username: id.username ?? null,
        profile_name: id.profileName ?? null,
        first_seen_at: id.seenAt,
        last_seen_at: id.seenAt,
        dirty: true,
      };
      created.push(contact);
    } else {
      applySighting(contact, id);
    }
    if (contact.wa_id !== null) byKey.set(waKey(org, contact.wa_id), contact);
    if (contact.user_id !== null) byKey.set(userKey(org, contact.user_id), contact);
    chosen[i] = contact;
  }

  await writeContacts(
    db,
    // By id: concurrent batches lock the contacts they share in one order.
    [...new Set(byKey.values())]
      .filter((c) => c.dirty && c.id !== null)
      .sort((a, b) => a.id! - b.id!),
    created,
  );
  return chosen.map((c) => c!.id!);
}

/** Links the sighting's ids to the contact; the newest sighting's profile wins. */
function applySighting(contact: Working, id: ContactIdentity): void {
  // Newer by time; within the same second by the greater profile name, so the
  // outcome never depends on the order two sightings arrive in.
  const dt = id.seenAt.getTime() - contact.last_seen_at.getTime();
  const newer = dt !== 0 ? dt > 0 : (id.profileName ?? '') >= (contact.profile_name ?? '');
  const set = <K extends 'wa_id' | 'user_id' | 'parent_user_id' | 'username' | 'profile_name'>(
    key: K,
    value: string | null | undefined,
  ) => {
    if (value === null || value === undefined || contact[key] === value) return;
    if (contact[key] !== null && !newer) return;
    contact[key] = value;
    contact.dirty = true;
  };
  // A sighting that carries a phone number and a BSUID is the truth for both.
  set('wa_id', id.waId);
  set('user_id', id.userId);
  set('parent_user_id', id.parentUserId);
  set('username', id.username);
  set('profile_name', id.profileName);
  if (id.seenAt > contact.last_seen_at) {
    contact.last_seen_at = id.seenAt;
    contact.dirty = true;
  }
  if (id.seenAt < contact.first_seen_at) {
    contact.first_seen_at = id.seenAt;
    contact.dirty = true;
  }
}

async function writeContacts(
  db: Executor,
  updated: readonly Working[],
  created: Working[],
): Promise<void> {
  if (updated.length > 0) {
    const col = <K extends keyof Working>(k: K) => updated.map((c) => c[k]);
    await sql`
      update contacts c set wa_id = t.w, user_id = t.u, parent_user_id = t.pu, username = t.un,
        profile_name = t.pn, first_seen_at = t.f, last_seen_at = t.l, updated_at = now()
      from unnest(${col('id')}::bigint[], ${updated.map((c) => pgText(c.wa_id))}::text[],
        ${updated.map((c) => pgText(c.user_id))}::text[], ${updated.map((c) => pgText(c.parent_user_id))}::text[],
        ${updated.map((c) => pgText(c.username))}::text[], ${updated.map((c) => pgText(c.profile_name))}::text[],
        ${col('first_seen_at')}::timestamptz[], ${col('last_seen_at')}::timestamptz[])
        as t(id, w, u, pu, un, pn, f, l)
      where c.id = t.id`.execute(db);
  }
  if (created.length > 0) {
    const rows = await sql<{ id: number }>`
      insert into contacts (organization_id, wa_id, user_id, parent_user_id, username, profile_name,
        first_seen_at, last_seen_at)
      select o, w, u, pu, un, pn, f, l from unnest(
        ${created.map((c) => c.organization_id)}::uuid[], ${created.map((c) => pgText(c.wa_id))}::text[],
        ${created.map((c) => pgText(c.user_id))}::text[], ${created.map((c) => pgText(c.parent_user_id))}::text[],
        ${created.map((c) => pgText(c.username))}::text[], ${created.map((c) => pgText(c.profile_name))}::text[],
        ${created.map((c) => c.first_seen_at)}::timestamptz[], ${created.map((c) => c.last_seen_at)}::timestamptz[])
        with ordinality as t(o, w, u, pu, un, pn, f, l, n)
      order by n
      returning id`.execute(db);
    rows.rows.forEach((r, i) => (created[i]!.id = r.id));
  }
}

/**
 * Applies re-keys announced by Meta: the contact found by the previous id
 * takes the new one and keeps its history. If another contact already holds
 * the new id, the two are merged. Each change is recorded in
 * `contact_identity_changes`.
 */
export async function applyIdentityChanges(
  db: Executor,
  changes: readonly IdentityChange[],
): Promise<number[]> {
  const ids: number[] = [];
  for (const change of changes) {
    const org = change.organizationId;
    const [previous] = await loadContacts(db, [{ organizationId: org, ...change.previous }]);
    if (previous) {
      // Give the old id up before the new one is linked, so the contact keeps its rows.
      if (change.previous.waId !== null && change.next.waId !== null)
        await sql`update contacts set wa_id = ${change.next.waId}, updated_at = now()
          where id = ${previous.id} and not exists (select from contacts o where o.organization_id = ${org}
            and o.wa_id = ${change.next.waId})`.execute(db);
      if (change.previous.userId !== null && change.next.userId !== null)
        await sql`update contacts set user_id = ${change.next.userId}, updated_at = now()
          where id = ${previous.id} and not exists (select from contacts o where o.organization_id = ${org}
            and o.user_id = ${change.next.userId})`.execute(db);
    }
    const address = {
      waId: change.next.waId ?? (previous ? previous.wa_id : null),
      userId: change.next.userId ?? (previous ? previous.user_id : null),
    };
    // A re-key is no sighting of the customer: an existing contact's seen times and profile stay.
    const [existing] = await loadContacts(db, [{ organizationId: org, ...address }]);
    const parentUserId = change.next.parentUserId ?? null;
    if (existing && parentUserId !== null)
      await sql`update contacts set parent_user_id = ${parentUserId}, updated_at = now()
        where id = ${existing.id}`.execute(db);
    const contactId = existing
      ? existing.id
      : (
          await resolveContacts(db, [
            { organizationId: org, ...address, parentUserId, seenAt: change.occurredAt },
          ])
        )[0]!;
    if (previous && previous.id !== contactId) {
      const [still] = await db
        .selectFrom('contacts')
        .selectAll()
        .where('id', '=', previous.id)
        .execute();
      // The re-key's own row below records this merge.
      if (still)
        await mergeContact(
          db,
          org,
          contactId!,
          { ...still, dirty: false },
          change.occurredAt,
          false,
        );
    }
    await sql`
      insert into contact_identity_changes (organization_id, contact_id, kind, previous_wa_id, wa_id,
        previous_user_id, user_id, parent_user_id, wamid, occurred_at)
      values (${org}, ${contactId}, ${change.kind}, ${change.previous.waId}, ${change.next.waId},
        ${change.previous.userId}, ${change.next.userId}, ${change.next.parentUserId ?? null},
        ${change.wamid}, ${change.occurredAt})
      on conflict do nothing`.execute(db);
    ids.push(contactId!);
  }
  return ids;
}

/** The contact of an organization with this phone number or business-scoped user id, if any. */
export async function findContact(
  db: Executor,
  organizationId: string,
  address: { waId?: string | null; userId?: string | null },
): Promise<ContactRow | undefined> {
  const [row] = await loadContacts(db, [
    { organizationId, waId: address.waId ?? null, userId: address.userId ?? null },
  ]);
  return row;
}

/** A contact by id (null when it was merged away or never existed). */
export async function contactById(db: Executor, id: number): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
}
