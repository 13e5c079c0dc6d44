import { sql } from 'kysely';
import { normalizeWaId } from '@waba/campaign-sender';
import { liftSuppressions, listSuppressions, suppressContacts, type Db } from '@waba/db';
import type { ApiApp, ApiDeps } from '../context';
import { decodeCursor, iso, PageQuery, pageOf, toPage } from '../pagination';
import { invalid, notFound } from '../problem';
import { apiRoute, json, z } from '../route';

const ContactSchema = z
  .object({
    id: z.number().int(),
    wa_id: z.string().nullable(),
    user_id: z.string().nullable().openapi({ description: 'The business-scoped user id (BSUID)' }),
    parent_user_id: z.string().nullable(),
    username: z.string().nullable(),
    profile_name: z.string().nullable(),
    first_seen_at: z.string().datetime(),
    last_seen_at: z.string().datetime(),
  })
  .openapi('Contact');

const StatusEventSchema = z
  .object({
    status: z.string(),
    occurred_at: z.string().datetime(),
    error_code: z.number().int().nullable(),
    error_title: z.string().nullable(),
    pricing_category: z.string().nullable(),
  })
  .openapi('MessageStatusEvent');

const MessageSchema = z
  .object({
    id: z.number().int(),
    wamid: z.string(),
    contact_id: z.number().int(),
    direction: z.enum(['inbound', 'outbound']),
    phone_number_id: z.string().nullable(),
    type: z.string().nullable(),
    body: z.string().nullable(),
    status: z.string(),
    source: z.string(),
    campaign_id: z.string().nullable(),
    occurred_at: z.string().datetime(),
    sent_at: z.string().datetime().nullable(),
    delivered_at: z.string().datetime().nullable(),
    read_at: z.string().datetime().nullable(),
    failed_at: z.string().datetime().nullable(),
    error_code: z.number().int().nullable(),
    error_title: z.string().nullable(),
    statuses: z
      .array(StatusEventSchema)
      .openapi({ description: 'Delivery status events of the message, oldest first' }),
  })
  .openapi('Message');

const SuppressionSchema = z
  .object({
    wa_id: z.string().openapi({ description: 'Phone wa_id or BSUID' }),
    source: z.string(),
    detail: z.string().nullable(),
    suppressed_at: z.string().datetime(),
  })
  .openapi('Suppression');

const ContactId = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

type ContactRowLike = {
  id: number;
  wa_id: string | null;
  user_id: string | null;
  parent_user_id: string | null;
  username: string | null;
  profile_name: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
};

const presentContact = (c: ContactRowLike): z.infer<typeof ContactSchema> => ({
  id: c.id,
  wa_id: c.wa_id,
  user_id: c.user_id,
  parent_user_id: c.parent_user_id,
  username: c.username,
  profile_name: c.profile_name,
  first_seen_at: iso(c.first_seen_at),
  last_seen_at: iso(c.last_seen_at),
});

/** `%`, `_` and `\` of a search text taken literally in `ilike`. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** The contact when it belongs to the organization (a 404 otherwise, whatever RLS would show). */
async function ownContact(db: Db, organizationId: string, id: number) {
  const contact = await db
    .selectFrom('contacts')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!contact) throw notFound(`contact ${id}`);
  return contact;
}

interface MessageFilter {
  organizationId: string;
  contactId?: number;
  text?: string;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

/** A page of messages (by time, then id) with their status events. */
async function messagePage(db: Db, f: MessageFilter) {
  const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, 2);
  const cmp = f.order === 'desc' ? sql.raw('<') : sql.raw('>');
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('organization_id', '=', f.organizationId)
    .$if(f.contactId !== undefined, (q) => q.where('contact_id', '=', f.contactId!))
    .$if(f.text !== undefined, (q) =>
      q.where(sql<boolean>`body ilike ${likePattern(f.text!)} escape '\\'`),
    )
    .$if(after !== undefined, (q) =>
      q.where(
        sql<boolean>`(occurred_at, id) ${cmp} (${String(after![0])}::timestamptz, ${Number(after![1])})`,
      ),
    )
    .orderBy('occurred_at', f.order)
    .orderBy('id', f.order)
    .limit(f.limit + 1)
    .execute();
  const wamids = rows.slice(0, f.limit).map((r) => r.wamid);
  const events =
    wamids.length === 0
      ? []
      : await db
          .selectFrom('message_status_events')
          .select([
            'wamid',
            'status',
            'occurred_at',
            'error_code',
            'error_title',
            'pricing_category',
          ])
          .where('organization_id', '=', f.organizationId)
          .where('wamid', 'in', wamids)
          .orderBy('occurred_at')
          .orderBy('id')
          .execute();
  const byWamid = new Map<string, z.infer<typeof StatusEventSchema>[]>();
  for (const e of events) {
    const list = byWamid.get(e.wamid) ?? [];
    list.push({
      status: e.status,
      occurred_at: iso(e.occurred_at),
      error_code: e.error_code,
      error_title: e.error_title,
      pricing_category: e.pricing_category,
    });
    byWamid.set(e.wamid, list);
  }
  return toPage(
    rows,
    f.limit,
    (r) => [iso(r.occurred_at), r.id],
    (r): z.infer<typeof MessageSchema> => ({
      id: r.id,
      wamid: r.wamid,
      contact_id: r.contact_id,
      direction: r.direction,
      phone_number_id: r.phone_number_id,
      type: r.type,
      body: r.body,
      status: r.status,
      source: r.source,
      campaign_id: r.campaign_id,
      occurred_at: iso(r.occurred_at),
      sent_at: iso(r.sent_at),
      delivered_at: iso(r.delivered_at),
      read_at: iso(r.read_at),
      failed_at: iso(r.failed_at),
      error_code: r.error_code,
      error_title: r.error_title,
      statuses: byWamid.get(r.wamid) ?? [],
    }),
  );
}

const OrderQuery = z.object({
  order: z
    .enum(['desc', 'asc'])
    .default('desc')
    .openapi({ description: 'desc: newest first (default); asc: oldest first' }),
});

/** A contact address (phone or BSUID) as suppressions store it, or a 400 naming the field. */
function suppressionKey(raw: string, field: string): string {
  const waId = normalizeWaId(raw);
  if (waId === undefined) throw invalid([{ field, message: 'not a phone number nor a user id' }]);
  return waId;
}

/** Contacts, their conversation threads, message search and the suppression list. */
export function registerContactRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/contacts',
      scope: 'read',
      tags: ['Contacts'],
      summary: 'Contacts of the organization',
      request: {
        query: PageQuery.extend({
          q: z.string().min(1).max(200).optional().openapi({
            description: 'Contacts with a message whose text contains this (case-insensitive)',
          }),
          bsuid: z.string().min(1).max(200).optional().openapi({ description: 'By user id' }),
          phone: z.string().min(1).max(50).optional().openapi({ description: 'By wa_id' }),
        }),
      },
      responses: { 200: json(pageOf(ContactSchema, 'ContactPage'), 'A page of contacts by id') },
    }),
    async (c) => {
      const { limit, cursor, q, bsuid, phone } = c.req.valid('query');
      const organizationId = c.get('principal').organizationId!;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, 1);
      const rows = await c
        .get('db')
        .selectFrom('contacts as c')
        .selectAll('c')
        .where('c.organization_id', '=', organizationId)
        .$if(bsuid !== undefined, (s) => s.where('c.user_id', '=', bsuid!))
        .$if(phone !== undefined, (s) => s.where('c.wa_id', '=', phone!.replace(/^\+/, '')))
        .$if(q !== undefined, (s) =>
          s.where(
            sql<boolean>`exists (select from messages m where m.organization_id = c.organization_id
              and m.contact_id = c.id and m.body ilike ${likePattern(q!)} escape '\\')`,
          ),
        )
        .$if(after !== undefined, (s) => s.where('c.id', '>', Number(after![0])))
        .orderBy('c.id')
        .limit(limit + 1)
        .execute();
      return c.json(
        toPage(rows, limit, (r) => [r.id], presentContact),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/contacts/{id}',
      scope: 'read',
      tags: ['Contacts'],
      summary: 'One contact',
      request: { params: ContactId },
      responses: { 200: json(ContactSchema, 'The contact') },
    }),
    async (c) => {
      const contact = await ownContact(
        c.get('db'),
        c.get('principal').organizationId!,
        c.req.valid('param').id,
      );
      return c.json(presentContact(contact), 200);
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/contacts/{id}/messages',
      scope: 'read',
      tags: ['Contacts'],
      summary: "The contact's conversation thread, with each message's delivery statuses",
      request: { params: ContactId, query: PageQuery.merge(OrderQuery) },
      responses: { 200: json(pageOf(MessageSchema, 'MessagePage'), 'A page of messages') },
    }),
    async (c) => {
      const db = c.get('db');
      const organizationId = c.get('principal').organizationId!;
      const contact = await ownContact(db, organizationId, c.req.valid('param').id);
      const { limit, cursor, order } = c.req.valid('query');
      return c.json(
        await messagePage(db, { organizationId, contactId: contact.id, order, limit, cursor }),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/messages/search',
      scope: 'read',
      tags: ['Contacts'],
      summary: 'Messages whose text contains `q` (case-insensitive)',
      request: {
        query: PageQuery.merge(OrderQuery).extend({
          q: z.string().min(1).max(200).openapi({ description: 'The text to find' }),
        }),
      },
      responses: { 200: json(pageOf(MessageSchema, 'MessageSearchPage'), 'A page of messages') },
    }),
    async (c) => {
      const { limit, cursor, order, q } = c.req.valid('query');
      const organizationId = c.get('principal').organizationId!;
      return c.json(
        await messagePage(c.get('db'), { organizationId, text: q, order, limit, cursor }),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/suppressions',
      scope: 'read',
      tags: ['Suppressions'],
      summary: 'The suppression list (no marketing template goes to these contacts)',
      request: { query: PageQuery },
      responses: {
        200: json(pageOf(SuppressionSchema, 'SuppressionPage'), 'Oldest opt-out first'),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = cursor === undefined ? undefined : decodeCursor(cursor, 2);
      // The CLI's export, paged here: the list is one row per contact, ordered (suppressed_at, wa_id).
      const rows = await listSuppressions(c.get('db'), c.get('principal').organizationId!);
      const start =
        after === undefined
          ? 0
          : rows.findIndex((r) => {
              const at = iso(r.suppressed_at);
              return (
                at > String(after[0]) || (at === String(after[0]) && r.wa_id > String(after[1]))
              );
            });
      const rest = start < 0 ? [] : rows.slice(start, start + limit + 1);
      return c.json(
        toPage(
          rest,
          limit,
          (r) => [iso(r.suppressed_at), r.wa_id],
          (r) => ({
            wa_id: r.wa_id,
            source: r.source,
            detail: r.detail,
            suppressed_at: iso(r.suppressed_at),
          }),
        ),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'post',
      path: '/api/v1/suppressions',
      scope: 'write',
      tags: ['Suppressions'],
      summary: 'Suppress a contact (source operator)',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                contact: z.string().min(1).max(200).openapi({ description: 'wa_id or user id' }),
                reason: z.string().max(1000).nullable().optional(),
              }),
            },
          },
        },
      },
      responses: { 201: json(SuppressionSchema, 'The suppression') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const waId = suppressionKey(body.contact, 'body.contact');
      const db = c.get('db');
      const organizationId = c.get('principal').organizationId!;
      await suppressContacts(db, organizationId, [
        { waId, source: 'operator', detail: body.reason ?? null, at: new Date() },
      ]);
      const row = (await listSuppressions(db, organizationId)).find((r) => r.wa_id === waId)!;
      return c.json(
        {
          wa_id: row.wa_id,
          source: row.source,
          detail: row.detail,
          suppressed_at: iso(row.suppressed_at),
        },
        201,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'delete',
      path: '/api/v1/suppressions/{wa_id}',
      scope: 'write',
      tags: ['Suppressions'],
      summary: 'Take a contact off the suppression list',
      request: {
        params: z.object({
          wa_id: z
            .string()
            .min(1)
            .max(200)
            .openapi({ param: { name: 'wa_id', in: 'path' }, description: 'wa_id or user id' }),
        }),
      },
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      const waId = suppressionKey(c.req.valid('param').wa_id, 'path.wa_id');
      const n = await liftSuppressions(c.get('db'), c.get('principal').organizationId!, [waId]);
      if (n === 0) throw notFound(`suppression of ${waId}`);
      return c.body(null, 204);
    },
  );
}
