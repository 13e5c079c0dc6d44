import { sql } from 'kysely';
import type { Db } from './connection';

/**
 * Reserves `count` consecutive send slots on a business number at `ratePerSecond`
 * and returns when the first one starts. One row per number, one update: any
 * number of concurrent senders share the number's rate without overlapping.
 */
export async function reserveSendSlots(
  db: Db,
  phoneNumberId: string,
  count: number,
  ratePerSecond: number,
): Promise<Date> {
  const span = count / ratePerSecond;
  // The upsert locks the number's row, so concurrent reservations queue up.
  const result = await sql<{ start_at: Date }>`
    insert into send_rate_slots as s (phone_number_id, next_slot_at)
    values (${phoneNumberId}, clock_timestamp() + ${span}::float8 * interval '1 second')
    on conflict (phone_number_id) do update
      set next_slot_at = greatest(s.next_slot_at, clock_timestamp()) + ${span}::float8 * interval '1 second'
    returning s.next_slot_at - ${span}::float8 * interval '1 second' as start_at`.execute(db);
  return result.rows[0]!.start_at;
}

/** When the number's next free send slot starts; null: the number never reserved one. */
export async function nextSendSlot(db: Db, phoneNumberId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('send_rate_slots')
    .select('next_slot_at')
    .where('phone_number_id', '=', phoneNumberId)
    .executeTakeFirst();
  return row?.next_slot_at ?? null;
}

/** Pushes a number's next free slot out, after Meta said its throughput limit was hit. */
export async function backOffNumber(db: Db, phoneNumberId: string, until: Date): Promise<void> {
  await sql`
    insert into send_rate_slots (phone_number_id, next_slot_at) values (${phoneNumberId}, ${until})
    on conflict (phone_number_id) do update
      set next_slot_at = greatest(send_rate_slots.next_slot_at, excluded.next_slot_at)`.execute(db);
}
