import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import { pgJson, pgText } from './pg-safe';
import { liftSuppressions, suppressContacts } from './suppression.repository';
import { applyTemplatesToCampaigns } from './template-campaign.repository';

type Executor = Kysely<Database> | Transaction<Database>;

/** What every typed row of a non-message field carries: its owner, its WABA, its identity and time. */
interface FieldRow {
  organizationId: string;
  wabaId: string;
  /** Stable identity of the item (a redelivery or a replay is recognised). */
  eventKey: string;
  occurredAt: Date;
}

/** One item of message_template_status_update, message_template_quality_update or template_category_update. */
export interface TemplateUpdateInput extends FieldRow {
  templateId: string;
  field: string;
  name: string | null;
  language: string | null;
  /** Status event (APPROVED, REJECTED, ...), for status updates. */
  status: string | null;
  reason: string | null;
  rejectionInfo: unknown;
  category: string | null;
  qualityScore: string | null;
  previousValue: string | null;
  value: unknown;
}

/** One phone_number_quality_update. */
export interface PhoneNumberEventInput extends FieldRow {
  displayPhoneNumber: string;
  event: string | null;
  currentLimit: string | null;
  oldLimit: string | null;
  maxDailyConversationsPerBusiness: number | null;
  value: unknown;
}

/** One business_capability_update. */
export interface BusinessCapabilityInput extends FieldRow {
  maxDailyConversationsPerBusiness: number | null;
  maxPhoneNumbersPerBusiness: number | null;
  maxPhoneNumbersPerWaba: number | null;
}

/** One user_preferences item: identifiers as the payload gives them. */
export interface MarketingPreferenceInput extends FieldRow {
  phoneNumberId: string | null;
  waId: string | null;
  userId: string | null;
  category: string;
  value: string;
  detail: string | null;
}

/** One item of the calls field. */
export interface CallEventInput extends FieldRow {
  phoneNumberId: string | null;
  callId: string;
  event: string | null;
  direction: string | null;
  fromId: string | null;
  toId: string | null;
  contactWaId: string | null;
  contactUserId: string | null;
  status: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  bizOpaqueCallbackData: string | null;
}

/** One item of the standby field: a message, an echo or a status in a conversation another sender handles. */
export interface StandbyEventInput extends FieldRow {
  phoneNumberId: string | null;
  kind: 'message' | 'message_echo' | 'status';
  wamid: string;
  direction: 'inbound' | 'outbound';
  contactWaId: string | null;
  contactUserId: string | null;
  type: string | null;
  body: string | null;
  status: string | null;
  payload: unknown;
}

/** The typed rows of the non-message fields of a batch. */
export interface AccountFieldsBatch {
  templates: TemplateUpdateInput[];
  phoneNumberEvents: PhoneNumberEventInput[];
  businessCapabilities: BusinessCapabilityInput[];
  marketingPreferences: MarketingPreferenceInput[];
  calls: CallEventInput[];
  standbyEvents: StandbyEventInput[];
}

export const ACCOUNT_FIELD_KINDS = [
  'templates',
  'phoneNumberEvents',
  'businessCapabilities',
  'marketingPreferences',
  'calls',
  'standbyEvents',
] as const satisfies ReadonlyArray<keyof AccountFieldsBatch>;

export function emptyAccountFieldsBatch(): AccountFieldsBatch {
  return {
    templates: [],
    phoneNumberEvents: [],
    businessCapabilities: [],
    marketingPreferences: [],
    calls: [],
    standbyEvents: [],
  };
}

export function mergeAccountFieldsBatches(
  batches: readonly AccountFieldsBatch[],
): AccountFieldsBatch {
  const merged = emptyAccountFieldsBatch();
  for (const b of batches) {
    merged.templates.push(...b.templates);
    merged.phoneNumberEvents.push(...b.phoneNumberEvents);
    merged.businessCapabilities.push(...b.businessCapabilities);
    merged.marketingPreferences.push(...b.marketingPreferences);
    merged.calls.push(...b.calls);
    merged.standbyEvents.push(...b.standbyEvents);
  }
  return merged;
}

/** One row per key, the items in time order: `fold` merges a later item into the state. */
function foldBy<T extends FieldRow, S>(
  rows: readonly T[],
  key: (row: T) => string,
  fold: (state: S | undefined, row: T) => S,
): S[] {
  const byKey = new Map<string, S>();
  const sorted = [...rows].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const row of sorted) byKey.set(key(row), fold(byKey.get(key(row)), row));
  return [...byKey.values()];
}

/** The first row per event key: a body delivered twice in one batch is one item. */
function once<T extends FieldRow>(rows: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) if (!seen.has(row.eventKey)) seen.set(row.eventKey, row);
  return [...seen.values()];
}

/**
 * Of two values set at the same time, the greater wins, so the outcome never
 * depends on the order they arrive in (the SQL upserts break ties the same way).
 */
function greater<V extends string | number | Date>(a: V | null, b: V | null): V | null {
  if (a === null) return b;
  if (b === null) return a;
  return (a instanceof Date ? a.getTime() : a) >= (b instanceof Date ? b.getTime() : b) ? a : b;
}

/** A field of a later item (`at` after the state's), else the state's; at the same time, the greater. */
function merged<V extends string | number | Date>(
  later: V | null,
  earlier: V | null,
  sameTime: boolean,
): V | null {
  return sameTime ? greater(later, earlier) : (later ?? earlier);
}

/** An aspect of a row (status, category, quality), when it was set, and what ranks it on a tie. */
type Aspect<V> = { value: V; at: Date; rank: string } | null;
function latest<V>(previous: Aspect<V>, value: V | null, rank: string | null, at: Date): Aspect<V> {
  if (value === null || rank === null) return previous;
  if (
    previous &&
    previous.at.getTime() === at.getTime() &&
    greater(previous.rank, rank) === previous.rank &&
    previous.rank !== rank
  )
    return previous;
  return { value, at, rank };
}

/** SQL of {@link merged}: `column` of the row with the later `at`, the greater on a tie. */
function mergedSql(table: string, column: string, at: string) {
  return sql.raw<never>(
    `case when excluded.${at} > ${table}.${at} then coalesce(excluded.${column}, ${table}.${column})
      when excluded.${at} < ${table}.${at} then coalesce(${table}.${column}, excluded.${column})
      else greatest(excluded.${column}, ${table}.${column}) end`,
  );
}

const limitRank = (e: PhoneNumberEventInput) => `${e.event ?? ''}|${e.currentLimit ?? ''}`;

/**
 * Writes the typed rows of the non-message fields: history rows once per
 * event key, current-state rows (templates, phone_number_limits,
 * business_capabilities, calls) upserted so that the latest event wins
 * whatever the order they arrive in. At most one statement per table.
 */
export async function writeAccountFields(db: Executor, batch: AccountFieldsBatch): Promise<number> {
  let statements = 0;

  const templateEvents = once(batch.templates);
  if (templateEvents.length > 0) {
    statements += 2;
    await db
      .insertInto('template_events')
      .values(
        templateEvents.map((t) => ({
          organization_id: t.organizationId,
          waba_id: pgText(t.wabaId),
          template_id: pgText(t.templateId),
          field: pgText(t.field),
          event: pgText(t.status),
          previous_value: pgText(t.previousValue),
          new_value: pgText(t.status ?? t.qualityScore ?? t.category),
          value: pgJson(t.value),
          event_key: t.eventKey,
          occurred_at: t.occurredAt,
        })),
      )
      .onConflict((oc) => oc.column('event_key').doNothing())
      .execute();

    type TemplateState = {
      row: TemplateUpdateInput;
      name: string | null;
      language: string | null;
      status: Aspect<{ status: string; reason: string | null; info: unknown }>;
      category: Aspect<string>;
      quality: Aspect<string>;
    };
    const current = foldBy<TemplateUpdateInput, TemplateState>(
      templateEvents,
      (t) => `${t.organizationId}|${t.templateId}`,
      (s, t) => ({
        row: t,
        name: t.name ?? s?.name ?? null,
        language: t.language ?? s?.language ?? null,
        status: latest(
          s?.status ?? null,
          t.status === null ? null : { status: t.status, reason: t.reason, info: t.rejectionInfo },
          t.status,
          t.occurredAt,
        ),
        category: latest(s?.category ?? null, t.category, t.category, t.occurredAt),
        quality: latest(s?.quality ?? null, t.qualityScore, t.qualityScore, t.occurredAt),
      }),
    );
    // Later wins; at the same time, the greater value (as the fold above).
    const newer = (aspect: 'status' | 'category' | 'quality', column: string) =>
      sql.raw(
        `excluded.${aspect}_at is not null and (templates.${aspect}_at is null
          or excluded.${aspect}_at > templates.${aspect}_at
          or (excluded.${aspect}_at = templates.${aspect}_at and excluded.${column} >= templates.${column}))`,
      );
    await db
      .insertInto('templates')
      .values(
        current.map((s) => ({
          organization_id: s.row.organizationId,
          template_id: pgText(s.row.templateId),
          waba_id: pgText(s.row.wabaId),
          name: pgText(s.name),
          language: pgText(s.language),
          status: pgText(s.status?.value.status),
          reason: pgText(s.status?.value.reason),
          rejection_info: s.status?.value.info == null ? null : pgJson(s.status.value.info),
          status_at: s.status?.at ?? null,
          category: pgText(s.category?.value),
          category_at: s.category?.at ?? null,
          quality_score: pgText(s.quality?.value),
          quality_at: s.quality?.at ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'template_id']).doUpdateSet({
          waba_id: sql`excluded.waba_id`,
          name: sql`coalesce(excluded.name, templates.name)`,
          language: sql`coalesce(excluded.language, templates.language)`,
          status: sql`case when ${newer('status', 'status')} then excluded.status else templates.status end`,
          reason: sql`case when ${newer('status', 'status')} then excluded.reason else templates.reason end`,
          rejection_info: sql`case when ${newer('status', 'status')} then excluded.rejection_info else templates.rejection_info end`,
          status_at: sql`greatest(templates.status_at, excluded.status_at)`,
          category: sql`case when ${newer('category', 'category')} then excluded.category else templates.category end`,
          category_at: sql`greatest(templates.category_at, excluded.category_at)`,
          quality_score: sql`case when ${newer('quality', 'quality_score')} then excluded.quality_score else templates.quality_score end`,
          quality_at: sql`greatest(templates.quality_at, excluded.quality_at)`,
          updated_at: sql`now()`,
        }),
      )
      .execute();
    // In the same transaction: a template now paused pauses its campaigns; a new category is recorded on them.
    statements += 2;
    await applyTemplatesToCampaigns(
      db,
      current
        .filter((s) => s.status !== null || s.category !== null)
        .map((s) => ({ organizationId: s.row.organizationId, templateId: s.row.templateId })),
    );
  }

  const numberEvents = once(batch.phoneNumberEvents);
  if (numberEvents.length > 0) {
    statements += 2;
    const row = (e: PhoneNumberEventInput) => ({
      organization_id: e.organizationId,
      waba_id: pgText(e.wabaId),
      display_phone_number: pgText(e.displayPhoneNumber),
      event: pgText(e.event),
      current_limit: pgText(e.currentLimit),
      old_limit: pgText(e.oldLimit),
      max_daily_conversations_per_business: e.maxDailyConversationsPerBusiness,
    });
    await db
      .insertInto('phone_number_events')
      .values(
        numberEvents.map((e) => ({
          ...row(e),
          value: pgJson(e.value),
          event_key: e.eventKey,
          occurred_at: e.occurredAt,
        })),
      )
      .onConflict((oc) => oc.column('event_key').doNothing())
      .execute();
    const current = foldBy<PhoneNumberEventInput, PhoneNumberEventInput>(
      numberEvents,
      (e) => `${e.organizationId}|${e.displayPhoneNumber}`,
      // Later wins; at the same time, the greater (event, limit), as the SQL below.
      (s, e) =>
        s &&
        s.occurredAt.getTime() === e.occurredAt.getTime() &&
        greater(limitRank(s), limitRank(e)) === limitRank(s)
          ? s
          : e,
    );
    await db
      .insertInto('phone_number_limits')
      .values(current.map((e) => ({ ...row(e), event_at: e.occurredAt })))
      .onConflict((oc) =>
        oc
          .columns(['organization_id', 'display_phone_number'])
          .doUpdateSet({
            waba_id: sql`excluded.waba_id`,
            event: sql`excluded.event`,
            current_limit: sql`excluded.current_limit`,
            old_limit: sql`excluded.old_limit`,
            max_daily_conversations_per_business: sql`excluded.max_daily_conversations_per_business`,
            event_at: sql`excluded.event_at`,
            updated_at: sql`now()`,
          })
          .where(
            sql<boolean>`excluded.event_at > phone_number_limits.event_at
              or (excluded.event_at = phone_number_limits.event_at
                and coalesce(excluded.event, '') || '|' || coalesce(excluded.current_limit, '')
                  >= coalesce(phone_number_limits.event, '') || '|' || coalesce(phone_number_limits.current_limit, ''))`,
          ),
      )
      .execute();
  }

  if (batch.businessCapabilities.length > 0) {
    statements++;
    const current = foldBy<BusinessCapabilityInput, BusinessCapabilityInput>(
      batch.businessCapabilities,
      (c) => `${c.organizationId}|${c.wabaId}`,
      (s, c) => {
        const tie = s !== undefined && s.occurredAt.getTime() === c.occurredAt.getTime();
        return {
          ...c,
          maxDailyConversationsPerBusiness: merged(
            c.maxDailyConversationsPerBusiness,
            s?.maxDailyConversationsPerBusiness ?? null,
            tie,
          ),
          maxPhoneNumbersPerBusiness: merged(
            c.maxPhoneNumbersPerBusiness,
            s?.maxPhoneNumbersPerBusiness ?? null,
            tie,
          ),
          maxPhoneNumbersPerWaba: merged(
            c.maxPhoneNumbersPerWaba,
            s?.maxPhoneNumbersPerWaba ?? null,
            tie,
          ),
        };
      },
    );
    // A later update names only what changed: it wins where it says something.
    const merge = (column: string) => mergedSql('business_capabilities', column, 'event_at');
    await db
      .insertInto('business_capabilities')
      .values(
        current.map((c) => ({
          organization_id: c.organizationId,
          waba_id: pgText(c.wabaId),
          max_daily_conversations_per_business: c.maxDailyConversationsPerBusiness,
          max_phone_numbers_per_business: c.maxPhoneNumbersPerBusiness,
          max_phone_numbers_per_waba: c.maxPhoneNumbersPerWaba,
          event_at: c.occurredAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'waba_id']).doUpdateSet({
          max_daily_conversations_per_business: merge('max_daily_conversations_per_business'),
          max_phone_numbers_per_business: merge('max_phone_numbers_per_business'),
          max_phone_numbers_per_waba: merge('max_phone_numbers_per_waba'),
          event_at: sql`greatest(business_capabilities.event_at, excluded.event_at)`,
          updated_at: sql`now()`,
        }),
      )
      .execute();
  }

  const preferences = once(batch.marketingPreferences);
  if (preferences.length > 0) {
    statements++;
    await db
      .insertInto('marketing_preferences')
      .values(
        preferences.map((p) => ({
          organization_id: p.organizationId,
          phone_number_id: pgText(p.phoneNumberId),
          waba_id: pgText(p.wabaId),
          wa_id: pgText(p.waId),
          user_id: pgText(p.userId),
          category: pgText(p.category),
          value: pgText(p.value),
          detail: pgText(p.detail),
          event_key: p.eventKey,
          occurred_at: p.occurredAt,
        })),
      )
      .onConflict((oc) => oc.column('event_key').doNothing())
      .execute();
    statements += await applyMarketingPreferences(db, preferences);
  }

  if (batch.calls.length > 0) {
    statements++;
    type CallState = CallEventInput & { firstAt: Date };
    const current = foldBy<CallEventInput, CallState>(
      once(batch.calls),
      (c) => `${c.organizationId}|${c.callId}`,
      (s, c) => {
        const tie = s !== undefined && s.occurredAt.getTime() === c.occurredAt.getTime();
        const pick = <K extends keyof CallEventInput>(key: K) =>
          merged(
            c[key] as string | number | Date | null,
            (s?.[key] ?? null) as string | number | Date | null,
            tie,
          ) as CallEventInput[K];
        return {
          ...c,
          firstAt: s?.firstAt ?? c.occurredAt,
          phoneNumberId: pick('phoneNumberId'),
          event: pick('event'),
          direction: pick('direction'),
          fromId: pick('fromId'),
          toId: pick('toId'),
          contactWaId: pick('contactWaId'),
          contactUserId: pick('contactUserId'),
          status: pick('status'),
          startedAt: pick('startedAt'),
          endedAt: pick('endedAt'),
          durationSeconds: pick('durationSeconds'),
          bizOpaqueCallbackData: pick('bizOpaqueCallbackData'),
        };
      },
    );
    const merge = (column: string) => mergedSql('calls', column, 'last_event_at');
    await db
      .insertInto('calls')
      .values(
        current.map((c) => ({
          organization_id: c.organizationId,
          call_id: pgText(c.callId),
          phone_number_id: pgText(c.phoneNumberId),
          waba_id: pgText(c.wabaId),
          direction: pgText(c.direction),
          from_id: pgText(c.fromId),
          to_id: pgText(c.toId),
          contact_wa_id: pgText(c.contactWaId),
          contact_user_id: pgText(c.contactUserId),
          last_event: pgText(c.event),
          status: pgText(c.status),
          started_at: c.startedAt,
          ended_at: c.endedAt,
          duration_seconds: c.durationSeconds,
          biz_opaque_callback_data: pgText(c.bizOpaqueCallbackData),
          first_event_at: c.firstAt,
          last_event_at: c.occurredAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'call_id']).doUpdateSet({
          phone_number_id: merge('phone_number_id'),
          direction: merge('direction'),
          from_id: merge('from_id'),
          to_id: merge('to_id'),
          contact_wa_id: merge('contact_wa_id'),
          contact_user_id: merge('contact_user_id'),
          last_event: merge('last_event'),
          status: merge('status'),
          started_at: merge('started_at'),
          ended_at: merge('ended_at'),
          duration_seconds: merge('duration_seconds'),
          biz_opaque_callback_data: merge('biz_opaque_callback_data'),
          first_event_at: sql`least(calls.first_event_at, excluded.first_event_at)`,
          last_event_at: sql`greatest(calls.last_event_at, excluded.last_event_at)`,
          updated_at: sql`now()`,
        }),
      )
      .execute();
  }
  const standby = once(batch.standbyEvents);
  if (standby.length > 0) {
    statements++;
    await db
      .insertInto('standby_events')
      .values(
        standby.map((e) => ({
          organization_id: e.organizationId,
          phone_number_id: pgText(e.phoneNumberId),
          waba_id: pgText(e.wabaId),
          kind: e.kind,
          wamid: pgText(e.wamid),
          direction: e.direction,
          contact_wa_id: pgText(e.contactWaId),
          contact_user_id: pgText(e.contactUserId),
          type: pgText(e.type),
          body: pgText(e.body),
          status: pgText(e.status),
          payload: pgJson(e.payload),
          event_key: e.eventKey,
          occurred_at: e.occurredAt,
        })),
      )
      .onConflict((oc) => oc.column('event_key').doNothing())
      .execute();
  }
  return statements;
}

/**
 * Feeds the suppression list from users' marketing preferences: per
 * organization and identity (wa_id and BSUID alike) the latest item wins; a
 * stop suppresses, a resume lifts an opt-out given no later than it.
 * Returns the statements run.
 */
async function applyMarketingPreferences(
  db: Executor,
  preferences: readonly MarketingPreferenceInput[],
): Promise<number> {
  type Latest = { org: string; waId: string; p: MarketingPreferenceInput };
  const latest = new Map<string, Latest>();
  for (const p of preferences) {
    if (p.category !== 'marketing_messages') continue;
    for (const waId of [p.waId, p.userId]) {
      if (!waId) continue;
      const key = `${p.organizationId}|${waId}`;
      const seen = latest.get(key);
      if (!seen || p.occurredAt >= seen.p.occurredAt)
        latest.set(key, { org: p.organizationId, waId, p });
    }
  }
  let statements = 0;
  const byOrg = new Map<string, Latest[]>();
  for (const e of latest.values()) byOrg.set(e.org, [...(byOrg.get(e.org) ?? []), e]);
  for (const [org, entries] of byOrg) {
    const stops = entries.filter((e) => e.p.value === 'stop');
    if (stops.length > 0) {
      statements++;
      await suppressContacts(
        db,
        org,
        stops.map((e) => ({
          waId: e.waId,
          source: 'user_preferences',
          detail: e.p.detail,
          at: e.p.occurredAt,
        })),
      );
    }
    for (const e of entries.filter((x) => x.p.value === 'resume')) {
      statements++;
      await liftSuppressions(db, org, [e.waId], e.p.occurredAt);
    }
  }
  return statements;
}

/**
 * The latest marketing preference of a user (by wa_id or BSUID, as stored):
 * `stop` means marketing templates must not be sent to them.
 */
export async function latestMarketingPreference(
  db: Executor,
  organizationId: string,
  user: { waId?: string | null; userId?: string | null },
  category = 'marketing_messages',
): Promise<{ value: string; occurredAt: Date } | undefined> {
  if (!user.waId && !user.userId) return undefined;
  const row = await db
    .selectFrom('marketing_preferences')
    .select(['value', 'occurred_at'])
    .where('organization_id', '=', organizationId)
    .where('category', '=', category)
    .where((eb) =>
      eb.or([
        ...(user.waId ? [eb('wa_id', '=', user.waId)] : []),
        ...(user.userId ? [eb('user_id', '=', user.userId)] : []),
      ]),
    )
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { value: row.value, occurredAt: row.occurred_at } : undefined;
}
