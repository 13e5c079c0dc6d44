import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  AgentConfigRow,
  AgentConfigUpdate,
  ConversationUpdate,
  KnowledgeEntryRow,
} from './agent.table';
import type { Database } from './database';

type Executor = Kysely<Database> | Transaction<Database>;

/** The organization's agent configuration; created with the defaults on first use. */
export async function getAgentConfig(
  db: Executor,
  organizationId: string,
): Promise<AgentConfigRow> {
  // One read on the worker's hot path; the insert happens only the first time.
  const existing = await db
    .selectFrom('agent_configs')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (existing) return existing;
  await db
    .insertInto('agent_configs')
    .values({ organization_id: organizationId, allowed_numbers: null, vector_store_id: null })
    .onConflict((oc) => oc.column('organization_id').doNothing())
    .execute();
  return db
    .selectFrom('agent_configs')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
}

/** The answer debounce each organization configured; organizations without a configuration are absent. */
export async function debounceSecondsOf(
  db: Executor,
  organizationIds: readonly string[],
): Promise<Map<string, number>> {
  if (organizationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('agent_configs')
    .select(['organization_id', 'debounce_seconds'])
    .where('organization_id', 'in', [...organizationIds])
    .execute();
  return new Map(rows.map((r) => [r.organization_id, r.debounce_seconds]));
}

export async function updateAgentConfig(
  db: Executor,
  organizationId: string,
  update: Omit<AgentConfigUpdate, 'organization_id' | 'updated_at'>,
): Promise<AgentConfigRow> {
  await getAgentConfig(db, organizationId);
  const values = { ...update, updated_at: new Date() };
  if (update.rules !== undefined) values.rules = JSON.stringify(update.rules);
  return db
    .updateTable('agent_configs')
    .set(values)
    .where('organization_id', '=', organizationId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface KnowledgeInput {
  title: string;
  body: string;
}

/** Adds or replaces (by source and title) an organization's knowledge entries. */
export async function upsertKnowledge(
  db: Executor,
  organizationId: string,
  source: string,
  entries: readonly KnowledgeInput[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const rows = await db
    .insertInto('knowledge_entries')
    .values(
      entries.map((e) => ({
        organization_id: organizationId,
        source,
        title: e.title,
        body: e.body,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['organization_id', 'source', 'title'])
        .doUpdateSet((eb) => ({ body: eb.ref('excluded.body') })),
    )
    .returning('id')
    .execute();
  return rows.length;
}

/**
 * The organization's entries that share words with `text`, best first
 * (Postgres full-text search, 'simple' configuration: no stemming, any language).
 */
export async function searchKnowledge(
  db: Executor,
  organizationId: string,
  text: string,
  limit = 3,
): Promise<Array<Pick<KnowledgeEntryRow, 'id' | 'title' | 'body'>>> {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, 30);
  if (words.length === 0) return [];
  const query = words.map((w) => `'${w.replaceAll("'", "''")}'`).join(' | ');
  return db
    .selectFrom('knowledge_entries')
    .select(['id', 'title', 'body'])
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`search @@ to_tsquery('simple', ${query})`)
    .orderBy(sql`ts_rank(search, to_tsquery('simple', ${query}))`, 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface ConversationKey {
  organizationId: string;
  phoneNumberId: string;
  /** The customer (contacts.id). */
  contactId: number;
}

/** Human handoff: pause (or resume) the bot for one conversation. */
export async function setBotPaused(
  db: Executor,
  key: ConversationKey,
  paused: boolean,
  reason: string | null = null,
): Promise<void> {
  await db
    .insertInto('conversations')
    .values({
      organization_id: key.organizationId,
      phone_number_id: key.phoneNumberId,
      contact_id: key.contactId,
      bot_paused: paused,
      paused_reason: paused ? reason : null,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'phone_number_id', 'contact_id']).doUpdateSet({
        bot_paused: paused,
        paused_reason: paused ? reason : null,
        updated_at: new Date(),
      }),
    )
    .execute();
}

/** Updates one conversation's bot state (updated_at is set here). */
export async function updateConversation(
  db: Executor,
  key: ConversationKey,
  set: Omit<
    ConversationUpdate,
    'organization_id' | 'phone_number_id' | 'contact_id' | 'updated_at'
  >,
): Promise<void> {
  await db
    .updateTable('conversations')
    .set({ ...set, updated_at: new Date() })
    .where('organization_id', '=', key.organizationId)
    .where('phone_number_id', '=', key.phoneNumberId)
    .where('contact_id', '=', key.contactId)
    .execute();
}
