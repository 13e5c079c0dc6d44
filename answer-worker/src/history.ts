import type { Db, MessageRow } from '@waba/db';
import type { Turn } from './agent/agent';

/**
 * The conversation's last `turns` messages before the ones being answered,
 * oldest first, from the messages table itself (no second store to drift).
 */
export async function loadHistory(db: Db, first: MessageRow, turns: number): Promise<Turn[]> {
  if (turns <= 0) return [];
  const rows = await db
    .selectFrom('messages')
    .select(['direction', 'body', 'type'])
    .where('organization_id', '=', first.organization_id)
    .where('contact_id', '=', first.contact_id)
    .where('phone_number_id', '=', first.phone_number_id)
    .where('occurred_at', '<', first.occurred_at)
    .where('body', 'is not', null)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(turns)
    .execute();
  return rows
    .reverse()
    .map((r) => ({ role: r.direction === 'inbound' ? 'customer' : 'assistant', text: r.body! }));
}
