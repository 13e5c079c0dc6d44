import { sql, type Kysely, type Transaction } from 'kysely';
import type { ContactRow } from './contact.table';
import type { Database } from './database';
import { findContact } from './contact.repository';
import { DbError } from './errors';
import {
  splitPersonItems,
  splitWebhookBody,
  type BodyScope,
  type PersonItem,
} from './person-items';

type Executor = Kysely<Database> | Transaction<Database>;

/** How an operator names a customer: their phone number or their business-scoped user id. */
export type ContactKey = { waId: string } | { userId: string };

/** No contact of the organization has the identifier given. */
export class UnknownContactError extends DbError {
  override name = 'UnknownContactError';
}

/** A customer of one organization and every string that names them in stored data. */
export interface Person {
  contact: ContactRow;
  /** Phone numbers and BSUIDs, current and earlier (contact_identity_changes). */
  identifiers: string[];
  /** wamids of their messages (a wamid encodes the phone number). */
  wamids: string[];
  /** identifiers and wamids: an item naming one of them is the person's. */
  marks: Set<string>;
  /** The organization's numbers and WABAs: the changes of a shared body that are its own. */
  scope: BodyScope;
}

/** The customer `key` names in `organizationId`, with everything that identifies them there. */
export async function findPerson(
  db: Executor,
  organizationId: string,
  key: ContactKey,
): Promise<Person> {
  const contact = await findContact(db, organizationId, key);
  if (!contact)
    throw new UnknownContactError(
      `no contact ${'waId' in key ? key.waId : key.userId} in this organization`,
    );
  const changes = await db
    .selectFrom('contact_identity_changes')
    .select(['previous_wa_id', 'wa_id', 'previous_user_id', 'user_id'])
    .where('organization_id', '=', organizationId)
    .where('contact_id', '=', contact.id)
    .execute();
  const identifiers = new Set(
    [contact, ...changes]
      .flatMap((r) => [r.wa_id, r.user_id, 'previous_wa_id' in r ? r.previous_wa_id : null])
      .concat(
        changes.map((c) => c.previous_user_id),
        [contact.parent_user_id],
      )
      .filter((v): v is string => typeof v === 'string' && v !== ''),
  );
  const messages = await db
    .selectFrom('messages')
    .select('wamid')
    .where('organization_id', '=', organizationId)
    .where('contact_id', '=', contact.id)
    .execute();
  const wamids = messages.map((m) => m.wamid);
  const numbers = await db
    .selectFrom('phone_numbers')
    .select(['phone_number_id', 'waba_id'])
    .where('organization_id', '=', organizationId)
    .execute();
  return {
    contact,
    identifiers: [...identifiers],
    wamids,
    marks: new Set([...identifiers, ...wamids]),
    scope: {
      phoneNumberIds: new Set(numbers.map((n) => n.phone_number_id)),
      wabaIds: new Set(numbers.map((n) => n.waba_id)),
    },
  };
}

/** LIKE patterns finding a text that contains one of `values`. */
export function containsAny(values: readonly string[]): string[] {
  return values.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/**
 * Raw audit bodies of the organization (its own, or shared with others and
 * reduced for it in webhook_event_extracts) whose text names the person.
 */
function rawBodiesNaming(db: Executor, organizationId: string, person: Person) {
  return db
    .selectFrom('webhook_events as w')
    .select(['w.id', 'w.received_month', 'w.received_at', 'w.raw_body', 'w.body_sha256'])
    .where((eb) =>
      eb.or([
        eb('w.organization_id', '=', organizationId),
        eb.exists(
          eb
            .selectFrom('webhook_event_extracts as x')
            .select(sql`1`.as('one'))
            .whereRef('x.body_sha256', '=', 'w.body_sha256')
            .whereRef('x.app_id', '=', 'w.app_id')
            .whereRef('x.received_month', '=', 'w.received_month')
            .where('x.organization_id', '=', organizationId),
        ),
      ]),
    )
    .where(sql<boolean>`w.raw_body like any(${containsAny(person.identifiers)}::text[])`)
    .orderBy('w.received_at');
}

/** The organization's reduced bodies whose JSON names the person. */
function extractsNaming(db: Executor, organizationId: string, person: Person) {
  return db
    .selectFrom('webhook_event_extracts')
    .select(['id', 'received_month', 'received_at', 'body'])
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`body::text like any(${containsAny(person.identifiers)}::text[])`)
    .orderBy('received_at');
}

/** The organization's account events whose value names the person. */
function accountEventsNaming(db: Executor, organizationId: string, person: Person) {
  return db
    .selectFrom('account_events')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`value::text like any(${containsAny(person.identifiers)}::text[])`)
    .orderBy('occurred_at');
}

/** One row of the audit trail naming the person: what stays of it and the person's items. */
export interface AuditHit {
  kind: 'account_event' | 'webhook_event' | 'webhook_event_extract';
  id: number;
  /** Partition key of raw and reduced bodies. */
  receivedMonth: Date | null;
  at: Date;
  kept: unknown;
  removed: PersonItem[];
  /** The row names the person outside any item (an account event about them alone): it goes whole. */
  whole: boolean;
  /** Raw bodies: the body's SHA-256 (hex), which names its claim-check copy in S3. */
  bodySha256?: string;
}

/** The rows of the organization's audit trail holding items of the person. */
export async function auditHits(
  db: Executor,
  organizationId: string,
  p: Person,
): Promise<AuditHit[]> {
  const hits: AuditHit[] = [];
  for (const e of await accountEventsNaming(db, organizationId, p).execute()) {
    const { kept, removed, named } = splitPersonItems(e.value, p.marks);
    const whole = named ? [{ path: '$', item: e.value }] : removed;
    hits.push({
      kind: 'account_event',
      id: e.id,
      receivedMonth: null,
      at: e.occurred_at,
      kept,
      removed: whole,
      whole: named,
    });
  }
  for (const w of await rawBodiesNaming(db, organizationId, p).execute()) {
    const split = splitWebhookBody(JSON.parse(w.raw_body), p.marks, p.scope);
    hits.push({
      kind: 'webhook_event',
      id: w.id,
      receivedMonth: w.received_month,
      at: w.received_at,
      ...split,
      whole: false,
      bodySha256: w.body_sha256,
    });
  }
  for (const x of await extractsNaming(db, organizationId, p).execute()) {
    const split = splitWebhookBody(x.body, p.marks);
    hits.push({
      kind: 'webhook_event_extract',
      id: x.id,
      receivedMonth: x.received_month,
      at: x.received_at,
      ...split,
      whole: false,
    });
  }
  return hits.filter((h) => h.whole || h.removed.length > 0);
}
