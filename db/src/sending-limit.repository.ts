import { inTransaction } from './organization-scope';
import { sql } from 'kysely';
import type { Db } from './connection';
import { CampaignError } from './errors';

const WINDOW_MS = 24 * 60 * 60 * 1000;
/** Meta's fastest throughput per number. */
export const MAX_MESSAGES_PER_SECOND = 1000;

/**
 * A messaging limit tier as Meta names it (TIER_250, TIER_1K, TIER_2K,
 * TIER_10K, TIER_100K, TIER_UNLIMITED) in unique recipients per 24 hours;
 * null: unlimited or not a tier.
 */
export function tierLimit(tier: string | null): number | null {
  const match = tier ? /^TIER_(\d+)(K?)$/i.exec(tier.trim()) : null;
  if (!match) return null;
  return Number(match[1]) * (match[2] ? 1000 : 1);
}

export interface SendingLimits {
  phoneNumberId: string;
  organizationId: string;
  wabaId: string;
  /** Unique recipients per 24 hours of business-initiated messages; null: none known. */
  uniqueRecipientsPerDay: number | null;
  /** Where that limit comes from, for reports. */
  limitSource: string | null;
  /** The number's throughput, when the operator set it or Meta upgraded it; null: the sender's default. */
  messagesPerSecond: number | null;
}

/**
 * What limits a business number's sends: the lowest of the operator's limit
 * (sending_limits), the number's tier (phone_number_quality_update) and the
 * portfolio's daily limit (business_capability_update, or named by the
 * quality update); its throughput, set by the operator or 1,000 once Meta
 * reported a THROUGHPUT_UPGRADE.
 */
export async function sendingLimitsOf(
  db: Db,
  phoneNumberId: string,
): Promise<SendingLimits | undefined> {
  const { rows } = await sql<{
    organization_id: string;
    waba_id: string;
    operator_limit: number | null;
    operator_rate: string | null;
    tier: string | null;
    number_portfolio_limit: number | null;
    portfolio_limit: number | null;
    upgraded: boolean;
  }>`
    select p.organization_id, p.waba_id, sl.unique_recipients_per_day as operator_limit,
      sl.messages_per_second as operator_rate, pl.current_limit as tier,
      pl.max_daily_conversations_per_business as number_portfolio_limit,
      bc.max_daily_conversations_per_business as portfolio_limit,
      exists (select 1 from phone_number_events e where e.organization_id = p.organization_id
        and e.event = 'THROUGHPUT_UPGRADE'
        and regexp_replace(e.display_phone_number, '\\D', '', 'g') = regexp_replace(p.display_phone_number, '\\D', '', 'g')) as upgraded
    from phone_numbers p
    left join sending_limits sl on sl.phone_number_id = p.phone_number_id
    left join lateral (
      select l.current_limit, l.max_daily_conversations_per_business from phone_number_limits l
      where l.organization_id = p.organization_id
        and regexp_replace(l.display_phone_number, '\\D', '', 'g') = regexp_replace(p.display_phone_number, '\\D', '', 'g')
      order by l.event_at desc limit 1) pl on true
    left join business_capabilities bc on bc.organization_id = p.organization_id and bc.waba_id = p.waba_id
    where p.phone_number_id = ${phoneNumberId}`.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  const candidates: [number | null, string][] = [
    [r.operator_limit, 'set by the operator'],
    [tierLimit(r.tier), `tier ${r.tier} (phone_number_quality_update)`],
    [r.number_portfolio_limit, 'portfolio limit (phone_number_quality_update)'],
    [r.portfolio_limit, 'portfolio limit (business_capability_update)'],
  ];
  let limit: [number, string] | null = null;
  for (const [value, source] of candidates)
    if (value !== null && value > 0 && (limit === null || value < limit[0]))
      limit = [value, source];
  const rate =
    r.operator_rate === null
      ? r.upgraded
        ? MAX_MESSAGES_PER_SECOND
        : null
      : Number(r.operator_rate);
  return {
    phoneNumberId,
    organizationId: r.organization_id,
    wabaId: r.waba_id,
    uniqueRecipientsPerDay: limit?.[0] ?? null,
    limitSource: limit?.[1] ?? null,
    messagesPerSecond: rate,
  };
}

/** Sets (or, with null, clears) the operator's limits of a business number. */
export async function setSendingLimits(
  db: Db,
  phoneNumberId: string,
  limits: { uniqueRecipientsPerDay?: number | null; messagesPerSecond?: number | null },
): Promise<void> {
  const rate = limits.messagesPerSecond;
  if (rate !== undefined && rate !== null && !(rate >= 1 && rate <= MAX_MESSAGES_PER_SECOND))
    throw new CampaignError(`throughput must be 1 to ${MAX_MESSAGES_PER_SECOND} messages/s`);
  const perDay = limits.uniqueRecipientsPerDay;
  if (perDay !== undefined && perDay !== null && !(Number.isInteger(perDay) && perDay > 0))
    throw new CampaignError('the unique-recipient limit must be a positive whole number');
  const number = await db
    .selectFrom('phone_numbers')
    .select('organization_id')
    .where('phone_number_id', '=', phoneNumberId)
    .executeTakeFirst();
  if (!number) throw new CampaignError(`phone number ${phoneNumberId} not found`);
  const values = {
    ...(perDay === undefined ? {} : { unique_recipients_per_day: perDay }),
    ...(rate === undefined ? {} : { messages_per_second: rate }),
  };
  await db
    .insertInto('sending_limits')
    .values({ phone_number_id: phoneNumberId, organization_id: number.organization_id, ...values })
    .onConflict((oc) =>
      oc.column('phone_number_id').doUpdateSet({ ...values, updated_at: sql`now()` }),
    )
    .execute();
}

/** How many unique recipients a WABA's numbers sent a campaign template to in the 24 hours before `now`. */
export async function windowRecipientCount(
  db: Db,
  scope: { organizationId: string; wabaId: string },
  now = new Date(),
): Promise<number> {
  const row = await db
    .selectFrom('messaging_window_recipients')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', scope.organizationId)
    .where('waba_id', '=', scope.wabaId)
    .where('first_sent_at', '>', new Date(now.getTime() - WINDOW_MS))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface WindowReservation {
  /** May be sent now: already in the window, or a new recipient that fits. */
  admitted: string[];
  /** Would exceed the limit: carried over to the next window. */
  deferred: string[];
  /** When the oldest recipient leaves the window (room for the next one); null when none deferred. */
  nextWindowAt: Date | null;
}

/**
 * Takes places in a WABA's rolling 24-hour window for `recipients`, in their
 * order: one already messaged in the window takes no new place; new ones
 * are admitted while fewer than `limit` unique recipients are in the window,
 * the rest deferred. Reservations are serialized per WABA (an advisory lock)
 * so concurrent slices never admit more than the limit together; a place
 * stays taken even if the send then fails (the window is never exceeded).
 * With no limit every recipient is admitted and recorded, so a limit that
 * becomes known later counts them.
 */
export async function reserveWindowRecipients(
  db: Db,
  scope: { organizationId: string; wabaId: string },
  recipients: readonly string[],
  limit: number | null,
  now = new Date(),
): Promise<WindowReservation> {
  if (recipients.length === 0) return { admitted: [], deferred: [], nextWindowAt: null };
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`messaging-window:${scope.organizationId}:${scope.wabaId}`}, 0))`.execute(
      trx,
    );
    await trx
      .deleteFrom('messaging_window_recipients')
      .where('organization_id', '=', scope.organizationId)
      .where('waba_id', '=', scope.wabaId)
      .where('first_sent_at', '<=', windowStart)
      .execute();
    const present = new Set(
      (
        await trx
          .selectFrom('messaging_window_recipients')
          .select('recipient')
          .where('organization_id', '=', scope.organizationId)
          .where('waba_id', '=', scope.wabaId)
          .where('recipient', 'in', [...recipients])
          .execute()
      ).map((r) => r.recipient),
    );
    let room = Infinity;
    if (limit !== null) room = Math.max(0, limit - (await windowRecipientCount(trx, scope, now)));
    const admitted: string[] = [];
    const deferred: string[] = [];
    const added: string[] = [];
    for (const r of recipients) {
      if (present.has(r) || added.includes(r)) admitted.push(r);
      else if (added.length < room) {
        added.push(r);
        admitted.push(r);
      } else deferred.push(r);
    }
    if (added.length > 0)
      await trx
        .insertInto('messaging_window_recipients')
        .values(
          added.map((recipient) => ({
            organization_id: scope.organizationId,
            waba_id: scope.wabaId,
            recipient,
            first_sent_at: now,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    let nextWindowAt: Date | null = null;
    if (deferred.length > 0) {
      const oldest = await trx
        .selectFrom('messaging_window_recipients')
        .select((eb) => eb.fn.min('first_sent_at').as('first'))
        .where('organization_id', '=', scope.organizationId)
        .where('waba_id', '=', scope.wabaId)
        .executeTakeFirst();
      const first = oldest?.first ? new Date(oldest.first) : now;
      nextWindowAt = new Date(first.getTime() + WINDOW_MS);
    }
    return { admitted, deferred, nextWindowAt };
  });
}
